"""Writers' Markdown: a table of hostile inputs and exactly what survives."""

import pytest

from cms.textformat import markdown_to_html

CASES = [
    ("<script>alert(1)</script>", ""),  # a script goes with its content
    ("<style>p {}</style>after", "after"),
    ("[x](javascript:alert(1))", "<p><a>x</a></p>"),
    ('<a href="/x" onclick="steal()">x</a>', '<p><a href="/x">x</a></p>'),
    ('<a href="/x" class="footnote-ref evil" id="x" style="color:red">x</a>', '<p><a href="/x">x</a></p>'),
    ('<div class="footnote">x</div>', "<div>x</div>"),  # only our own notes are notes
    ("![ok](/media/a.png)", '<p><img src="/media/a.png" alt="ok"></p>'),
    # Images load from this site only, however the other host is spelled.
    ("![a](https://tracker.example/p.png)", '<p><img alt="a"></p>'),
    ("![a](//tracker.example/p.png)", '<p><img alt="a"></p>'),
    # Markdown percent-encodes a tab or a backslash: a path of this host, not another host.
    ("![a](/&#9;/tracker.example/p.png)", '<p><img src="/%09/tracker.example/p.png" alt="a"></p>'),
    ("![a](/\\tracker.example/p.png)", '<p><img src="/%5Ctracker.example/p.png" alt="a"></p>'),
    # Typed HTML keeps them, as a browser reads them: then the image goes.
    ('<img src="/&#10;/tracker.example/a.png">', "<img>"),
    ('<img src="/&Tab;/tracker.example/a.png">', "<img>"),
    ('<img src="/\\tracker.example/a.png" alt="b">', '<img alt="b">'),
    ('<img alt="c" src="//tracker.example/a.png" width="2">', '<img alt="c" width="2">'),
    # Links to other hosts tell them nothing, however they are spelled.
    ("[out](https://e.net/)", '<p><a href="https://e.net/" rel="noopener noreferrer">out</a></p>'),
    ("[x](/&#9;/example.net)", '<p><a href="/%09/example.net">x</a></p>'),
    ("[y](/\\example.net)", '<p><a href="/%5Cexample.net">y</a></p>'),
    ('<a href="/&#9;/example.net">x</a>', '<p><a href="/\t/example.net" rel="noopener noreferrer">x</a></p>'),
    ('<a href="/\\example.net">y</a>', '<p><a href="/\\example.net" rel="noopener noreferrer">y</a></p>'),
    ('<a href=" //example.net" rel="opener">y</a>',
     '<p><a href=" //example.net" rel="noopener noreferrer">y</a></p>'),
    ("see www.example.net", '<p>see <a href="http://www.example.net" rel="noopener noreferrer">'
     "www.example.net</a></p>"),
    ("[z](https:example.net)", '<p><a href="https:example.net" rel="noopener noreferrer">z</a></p>'),
    ("[in](/articles/x)", '<p><a href="/articles/x">in</a></p>'),
    ("[mail](mailto:a@example.org)", '<p><a href="mailto:a@example.org">mail</a></p>'),
]


@pytest.mark.parametrize("source,expected", CASES)
def test_writer_markdown_keeps_only_what_is_safe(source, expected):
    assert markdown_to_html(source) == expected
