"""Where an address lives in a mirror, and the relative link between two of its files."""

from __future__ import annotations

import posixpath

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cms.mirror.paths import file_for, relative_link


@pytest.mark.parametrize(("path", "query", "expected"), [
    ("/", "", "index.html"),
    ("/", "page=2", "page-2.html"),
    ("/articles/a-slug", "", "articles/a-slug/index.html"),
    ("/articles/a-slug", "comments=3", "articles/a-slug/comments-3.html"),
    ("/articles/a-slug", "comments=1", "articles/a-slug/index.html"),
    ("/tags/censorship", "page=02", "tags/censorship/page-2.html"),
    ("/archive/2026/11", "", "archive/2026/11/index.html"),
    ("/campaigns/x/feed.atom", "", "campaigns/x/feed.atom"),
    ("/static/style.css", "v=0123456789ab", "static/style.css"),
    ("/media/abc-480.jpg", "", "media/abc-480.jpg"),
    ("/articles/%D1%81%D0%BB%D0%BE%D0%B2%D0%BE", "", "articles/слово/index.html"),
    # Not a file of the mirror: another query, two page numbers, odd segments.
    ("/search", "q=rights", None),
    ("/tags/x", "page=2&comments=2", None),
    ("/tags/x", "page=two", None),
    ("/static/style.css", "q=1", None),
    ("/articles/../secret", "", None),
    ("/articles/.cms-mirror", "", None),
    ("/articles/a%2Fb", "", None),
    ("/articles/a%00b", "", None),
])
def test_each_address_has_its_file(path, query, expected):
    assert file_for(path, query) == expected


segment = st.sampled_from(["a", "b", "articles", "tags", "x-y", "2026", "11"])
folder = st.lists(segment, max_size=4).map("/".join)
filename = st.sampled_from(["index.html", "page-2.html", "feed.atom", "style.css"])
files = st.builds(lambda d, f: f"{d}/{f}" if d else f, folder, filename)


@given(source=files, target=files)
def test_a_relative_link_is_what_relpath_gives(source, target):
    assert relative_link(source, target) == posixpath.relpath(target, posixpath.dirname(source) or ".")
    assert posixpath.normpath(posixpath.join(posixpath.dirname(source), relative_link(source, target))) == (
        target)
