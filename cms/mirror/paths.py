"""Where each address of the site lives in a mirror, and the relative link from one file to another.

A page at `/articles/slug` is `articles/slug/index.html`, its second page of comments
(`?comments=2`) `articles/slug/comments-2.html`, a list's second page (`?page=2`)
`page-2.html` beside its first; an address whose last part has an extension
(`/feed.atom`, `/static/style.css`, `/media/x.jpg`) is that file. Links name the file
itself (`../other/index.html`), never a folder: a folder opened from `file://` or a USB
stick shows a listing, not the page.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote

# Query keys that make a page of their own; any other query is not a page of the mirror.
PAGE_KEYS = ("page", "comments")
# Query keys kept on a link to a file (a stylesheet's version), which the file ignores.
FILE_KEYS = ("v",)
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,8}\Z")
_SAFE_SEGMENT = re.compile(r"\A[^/\\\x00-\x1f\x7f]+\Z")


def is_file_address(path: str) -> bool:
    """Whether the address names a file (an extension in its last part), not a page."""
    return bool(_EXTENSION.search(path.rsplit("/", 1)[-1]))


def file_for(path: str, query: str = "") -> str | None:
    """The file in the mirror ('/'-separated, relative to its top) that holds `path?query`;
    None when no file can: an odd segment ('..'), or a query that is not a page number."""
    segments = [unquote(part) for part in path.split("/") if part]
    if any(seg in {".", ".."} or seg.startswith(".") or not _SAFE_SEGMENT.match(seg) for seg in segments):
        return None
    pairs = parse_qsl(query, keep_blank_values=True)
    if segments and is_file_address(path):
        return "/".join(segments) if all(key in FILE_KEYS for key, _ in pairs) else None
    if len(pairs) > 1 or any(key not in PAGE_KEYS or not value.isdecimal() for key, value in pairs):
        return None
    if pairs and (key_value := pairs[0]) and int(key_value[1]) > 1:
        key, value = key_value
        return "/".join([*segments, f"{key}-{int(value)}.html"])
    return "/".join([*segments, "index.html"])


def relative_link(source: str, target: str) -> str:
    """The link from the file `source` to the file `target`, both relative to the top (what
    posixpath.relpath gives for such paths, in a fraction of its time: a build makes millions)."""
    folders, parts = source.split("/")[:-1], target.split("/")
    common = 0
    while common < len(folders) and common < len(parts) - 1 and folders[common] == parts[common]:
        common += 1
    return "/".join([".."] * (len(folders) - common) + parts[common:])
