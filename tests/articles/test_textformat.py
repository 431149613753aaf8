"""Writers' Markdown: a table of hostile inputs and exactly what survives."""

import pytest

from cms.textformat import markdown_to_html

CASES = [
    ("<script>alert(1)</script>", "alert(1)"),  # the tag goes, the text stays as text
    ("[x](javascript:alert(1))", "<p><a>x</a></p>"),
    ('<a href="/x" onclick="steal()">x</a>', '<p><a href="/x">x</a></p>'),
    ("![ok](/media/a.png)", '<p><img alt="ok" src="/media/a.png"></p>'),
    # Images load from this site only, however the other host is spelled.
    ("![a](https://tracker.example/p.png)", '<p><img alt="a"></p>'),
    ("![a](//tracker.example/p.png)", '<p><img alt="a"></p>'),
    ("![a](/&#9;/tracker.example/p.png)", '<p><img alt="a"></p>'),
    ('<img src="/&#10;/tracker.example/a.png">', "<p><img></p>"),
    ('<img src="/&Tab;/tracker.example/a.png">', "<p><img></p>"),
    ("![a](/\\tracker.example/p.png)", '<p><img alt="a"></p>'),
    # Links to other hosts tell them nothing, however they are spelled.
    ("[out](https://e.net/)", '<p><a href="https://e.net/" rel="noopener noreferrer">out</a></p>'),
    ("[x](/&#9;/example.net)", '<p><a href="/&#9;/example.net" rel="noopener noreferrer">x</a></p>'),
    ("[y](/\\example.net)", '<p><a href="/\\example.net" rel="noopener noreferrer">y</a></p>'),
    ("[z](https:example.net)", '<p><a href="https:example.net" rel="noopener noreferrer">z</a></p>'),
    ("[in](/articles/x)", '<p><a href="/articles/x">in</a></p>'),
    ("[mail](mailto:a@example.org)", '<p><a href="mailto:a@example.org">mail</a></p>'),
]


@pytest.mark.parametrize("source,expected", CASES)
def test_writer_markdown_keeps_only_what_is_safe(source, expected):
    assert markdown_to_html(source) == expected
