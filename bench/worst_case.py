"""Bodies built to be slow: what a hostile or careless writer can make the renderer do.

Each pattern is repeated to SIZE characters and rendered as an article body and as an
interview turn. `make bench` prints the slowest (the issue's line: "worst-case body (100 KB)
renders in under 1 s"); run this file alone for every pattern:

    .venv/bin/python bench/worst_case.py [--size 100000]

tests/articles/test_rendering_limits.py checks the same patterns grow linearly (by
counting executed lines, not seconds).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SIZE = 100_000

# Unit repeated, and text put before the repetition (a footnote defined, say).
PATTERNS: dict[str, tuple[str, str]] = {
    "unclosed brackets": ("[", ""),
    "unclosed images": ("![", ""),
    "unclosed footnote refs": ("[^", "[^a]: A note.\n\n"),
    "footnote refs without label end": ("[^a", "[^a]: A note.\n\n"),
    "footnote refs": ("x[^a] ", "[^a]: A note.\n\n"),
    "long footnote labels": ("[^" + "a" * 990, "[^a]: A note.\n\n"),
    "unclosed a tags": ("<a ", ""),
    "a tags with attributes": ('<a href="/x" title="y">', ""),
    "quoted attribute openers": ('<a x="', ""),
    "unclosed links": ("[a](", ""),
    "links to nowhere": ("[a][b] ", ""),
    "reference definitions": ("[a]: /x\n", ""),
    "emphasis runs": ("*a _b ", ""),
    "strong runs": ("**a __b ", ""),
    "backtick runs": ("`a ``b ", ""),
    "nested blockquotes": ("> ", ""),
    "nested lists": ("- ", ""),
    "nested ordered lists": ("1. ", ""),
    "unclosed comments": ("<!-- ", ""),
    "processing instructions": ("<? ", ""),
    "cdata openers": ("<![CDATA[ ", ""),
    "entities": ("&#123456789", ""),
    "escapes": ("\\[", ""),
    "table columns": ("| a ", "| h |\n|---|\n"),
    "table rows of links": ("| [a](/x) | [b](https://e.net/) |\n", "| h | i |\n|---|---|\n"),
    "autolinks": ("<https://e.net/", ""),
    "bare URLs": ("https://e.net/a ", ""),
    "bare domains": ("a.b.c.", ""),
    "www openers": ("www.", ""),
    "at signs": ("a@b.", ""),
    "fence openers": ("```\n", ""),
    "html blocks": ("<div>\n", ""),
    "headings": ("# h\n", ""),
    "unclosed divs": ("<div>", ""),
    "nested tables": ("<table><tr><td>", ""),
    "formatting with attributes": ('<b title="x">', ""),
    "misnested formatting": ("<b><i>x</b></i>", ""),
    "unclosed paragraphs": ("<p>x", ""),
    "long line": ("abcdefghij", ""),
    "line breaks": ("a  \n", ""),
}


def body(name: str, size: int = SIZE) -> str:
    unit, prefix = PATTERNS[name]
    return prefix + unit * ((size - len(prefix)) // len(unit))


def render_seconds(name: str, size: int = SIZE) -> tuple[float, float]:
    """Seconds to render the pattern as an article body and as an interview turn."""
    from cms.textformat import interview_to_html, markdown_to_html

    text = body(name, size)
    start = time.perf_counter()
    markdown_to_html(text)
    article = time.perf_counter() - start
    start = time.perf_counter()
    interview_to_html(["", text], [("a", "A note.")])
    return article, time.perf_counter() - start


def worst_case(size: int = SIZE) -> tuple[str, float]:
    """The slowest pattern and its seconds (the slower of article and interview)."""
    timings = {name: max(render_seconds(name, size)) for name in PATTERNS}
    name = max(timings, key=timings.__getitem__)
    return name, timings[name]


def comparisons(size: int = SIZE) -> dict[str, tuple[str, str]]:
    """Two revisions of a body each, built to make the revision comparison slow."""
    import random

    rng = random.Random(7)

    def line(words: int) -> str:
        return " ".join(f"w{rng.randrange(60)}" for _ in range(words))

    lines = size // 700
    one = " ".join(f"w{n}" for n in range(size // 7))
    return {
        "one long line, one word changed": (one, one.replace(" w500 ", " changed ")),
        "many similar lines, all changed": ("\n".join(line(100) for _ in range(lines)),
                                            "\n".join(line(100) for _ in range(lines))),
        "long similar lines, all changed": ("\n".join(line(149) for _ in range(size // 1000)),
                                            "\n".join(line(149) for _ in range(size // 1000))),
        "a repeated line": ("x\n" * (size // 2), "x\n" * (size // 2 - 1) + "y\n"),
        "every line rewritten": ("\n".join(f"a{n}" for n in range(size // 6)),
                                 "\n".join(f"b{n}" for n in range(size // 6))),
    }


def worst_comparison(size: int = SIZE) -> tuple[str, float]:
    """The slowest comparison of two revisions (cms/articles/revisions.py) and its seconds."""
    from cms.articles.revisions import _lines

    timings = {}
    for name, (old, new) in comparisons(size).items():
        start = time.perf_counter()
        _lines(old, new)
        timings[name] = time.perf_counter() - start
    name = max(timings, key=timings.__getitem__)
    return name, timings[name]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=SIZE, help="characters per body")
    size = parser.parse_args().size
    print(f"{'pattern':34} {'article s':>10} {'interview s':>12}")
    for name in PATTERNS:
        article, interview = render_seconds(name, size)
        print(f"{name:34} {article:10.3f} {interview:12.3f}")
    name, seconds = worst_case(size)
    print(f"worst-case body ({size // 1000} KB) renders in {seconds:.2f} s ({name})")
    name, seconds = worst_comparison(size)
    print(f"worst-case comparison of two revisions ({size // 1000} KB) takes {seconds:.2f} s ({name})")


if __name__ == "__main__":
    main()
