"""The only place user text becomes HTML.

Writers' Markdown and commenters' plain text each have one renderer and one allow-list
here; the sanitizer (nh3) is imported nowhere else, so replacing it is a one-file change.

Every step runs in time linear in its input, so no body can keep a worker busy: cmark-gfm
(GitHub's C implementation of CommonMark, tested against pathological inputs) parses, nh3
(ammonia, in Rust) sanitizes, and the passes between them are regular expressions over the
parser's own, well-formed output that cannot backtrack. docs/decisions/0007 says why these
and not Python-Markdown or markdown-it-py.
"""

from __future__ import annotations

import re
from html import escape, unescape
from itertools import accumulate
from operator import sub
from urllib.parse import urlsplit

import cmarkgfm
import nh3
from cmarkgfm.cmark import Options
from markupsafe import Markup

# --- Writers: Markdown with footnotes, tables and headings ------------------------------

ARTICLE_TAGS = frozenset({
    "a", "abbr", "blockquote", "br", "code", "del", "div", "em", "figcaption", "figure",
    "h2", "h3", "h4", "h5", "h6", "hr", "img", "li", "ol", "p", "pre", "strong", "sub",
    "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
})
ARTICLE_PROTOCOLS = frozenset({"http", "https", "mailto"})
FOOTNOTE_LABEL_MAX = 999  # characters, as cmark-gfm allows in any link label

# Browsers drop tab, LF and CR from URLs and read "\\" as "/": "/\t/evil.example" is "//evil.example".
_URL_IGNORED = str.maketrans("", "", "\t\n\r")


def _as_browser_reads(value: str) -> str:
    """The URL a browser would follow: entities decoded, then cleaned as a browser does."""
    return unescape(value).translate(_URL_IGNORED).replace("\\", "/").strip()


def _same_host_path(value: str) -> bool:
    """Images load from this site only: a path, never a URL of another host."""
    url = _as_browser_reads(value)
    return url.startswith("/") and not url.startswith("//") and not urlsplit(url).netloc


def _is_external(href: str) -> bool:
    """A link that leaves the site (mailto: excepted), however its host is spelled."""
    url = _as_browser_reads(href)
    parts = urlsplit(url)
    return bool(parts.netloc or url.startswith("//") or (
        parts.scheme and parts.scheme != "mailto" and not url.startswith(f"{parts.scheme}://")))


_ARTICLE_ATTRIBUTES = {
    "*": {"title"},
    "a": {"href"},
    "img": {"alt", "src", "width", "height"},
    "li": {"id"},
    "sup": {"id"},
    "ol": {"start"},
}
_ARTICLE_ATTRIBUTE_VALUES = {
    "a": {"class": {"footnote-ref", "footnote-backref"}},  # the footnote links' own only
    "td": {"align": {"left", "right", "center"}},
    "th": {"align": {"left", "right", "center"}},
}

_article_cleaner = nh3.Cleaner(
    tags=set(ARTICLE_TAGS),
    clean_content_tags={"script", "style"},
    attributes=_ARTICLE_ATTRIBUTES,
    tag_attribute_values=_ARTICLE_ATTRIBUTE_VALUES,
    strip_comments=True,
    link_rel=None,
    url_schemes=set(ARTICLE_PROTOCOLS),
)

# A start tag of a link or an image as nh3 writes it: double-quoted values in which '"',
# '<' and '>' are escaped, so no character class below can run past the tag.
_LINK_OR_IMAGE = re.compile(r'<(a|img)((?: [a-z-]+="[^"]*")*)>')
_URL = re.compile(r' (href|src)="([^"]*)"')
# A fragment, or a path on this host spelled plainly (no entity, backslash or space).
_PLAINLY_HERE = re.compile(r"(?:#|/(?![/\\]))[^&\\\s]*\Z")


def _check_link_or_image(match: re.Match[str]) -> str:
    """Links to other hosts open without telling them where the reader came from; images
    load from this site only (an image of another host keeps its alt text, not its src)."""
    tag, attributes = match.group(1), match.group(2)
    url = _URL.search(attributes)
    if url is None or _PLAINLY_HERE.match(url.group(2)):
        return match.group(0)
    if tag == "img":
        if _same_host_path(url.group(2)):
            return match.group(0)
        return f"<img{attributes[:url.start()]}{attributes[url.end():]}>"
    if _is_external(url.group(2)):
        return f'<a{attributes} rel="noopener noreferrer">'
    return match.group(0)


def _sanitize(html: str) -> str:
    return _LINK_OR_IMAGE.sub(_check_link_or_image, _article_cleaner.clean(_bounded_nesting(html)))


NESTING_MAX = 100  # elements inside elements; no real text nests this deep
# Elements that a start tag of their own kind closes, so they never nest by themselves.
_SELF_CLOSING = frozenset({
    "area", "base", "br", "col", "dd", "dt", "embed", "hr", "img", "input", "li", "link",
    "meta", "option", "p", "source", "td", "th", "tr", "track", "wbr",
})
_ANY_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)[^<>]*?(/?)>")


def _bounded_nesting(html: str) -> str:
    """Start tags deeper than NESTING_MAX dropped (with their end tags), text kept.

    An HTML parser checks the elements open around each new one, so 50,000 nested
    blockquotes or unclosed <div>s cost it time in the square of their number; no real text
    nests a hundred deep.
    """
    tags = _ANY_TAG.findall(html)
    if len(tags) <= NESTING_MAX or _deepest(tags) <= NESTING_MAX:
        return html
    depth = 0
    dropped: dict[str, int] = {}

    def visit(match: re.Match[str]) -> str:
        nonlocal depth
        closing, name, empty = match.group(1), match.group(2).lower(), match.group(3)
        if empty or name in _SELF_CLOSING:
            return match.group(0)
        if closing:
            if dropped.get(name):
                dropped[name] -= 1
                return ""
            depth = max(depth - 1, 0)
            return match.group(0)
        if depth >= NESTING_MAX:
            dropped[name] = dropped.get(name, 0) + 1
            return ""
        depth += 1
        return match.group(0)

    return _ANY_TAG.sub(visit, html)


def _deepest(tags: list[tuple[str, str, str]]) -> int:
    """How deep the deepest tag lies; a stray end tag closes nothing (depth stays >= 0)."""
    steps = [0 if empty or name.lower() in _SELF_CLOSING else -1 if closing else 1
             for closing, name, empty in tags]
    totals = list(accumulate(steps))
    # Depth is the running total minus its lowest point below zero so far.
    return max(max(totals), max(map(sub, totals, accumulate(totals, min))))


# --- The Markdown parser: cmark-gfm, then our footnotes and headings --------------------

# Raw HTML passes the parser (nh3 decides what survives); GFM footnotes, tables, autolinks.
_CMARK_OPTIONS = Options.CMARK_OPT_UNSAFE | Options.CMARK_OPT_FOOTNOTES
_CMARK_EXTENSIONS = ["table", "autolink"]

# A label as cmark-gfm writes it in a link (percent-encoded): our ids and back links are
# built from it after sanitizing, so it can hold no quote, angle bracket or ampersand.
_LABEL = r"[A-Za-z0-9%._:~+!*(),@?=;/$-]+"
# What cmark-gfm writes for footnotes, rewritten into our markup (the ids readers' links
# already use: #fn:label, #fnref:label, #fnref2:label ...).
_NOTES_START = '<section class="footnotes" data-footnotes>\n<ol>\n'
_NOTES_END = "</ol>\n</section>\n"
_CMARK_REF = re.compile(
    rf'<sup class="footnote-ref"><a href="#fn-({_LABEL})" id="fnref-[^"]*" data-footnote-ref>\d+</a></sup>')
_CMARK_BACKREF = re.compile(r' ?<a href="#fnref-[^"]*" class="footnote-backref"[^>]*>'
                            r'\u21a9(?:<sup class="footnote-ref">\d+</sup>)?</a>')
_CMARK_NOTE = re.compile(rf'^<li id="fn-({_LABEL})">\n', re.MULTILINE)
_HEADING = re.compile(r"<(/?)h([1-6])>")
# A footnote reference in Markdown source, to know which notes a part needs.
# No "[" inside: each try stops at the next one, so the tries never overlap (linear).
_SOURCE_REF = re.compile(rf"\[\^([^\s\[\]]{{1,{FOOTNOTE_LABEL_MAX}}})\]")


def _cmark(source: str) -> tuple[str, str]:
    """cmark-gfm's HTML of a Markdown text, and of its footnotes section ("" without)."""
    html = cmarkgfm.markdown_to_html_with_extensions(
        source, options=_CMARK_OPTIONS, extensions=_CMARK_EXTENSIONS)
    body, found, notes = html.rpartition(_NOTES_START)
    if not found:
        return html, ""
    return body, notes.removesuffix(_NOTES_END)


def _cmark_notes(section: str) -> dict[str, str]:
    """Each note of a cmark-gfm footnotes section by its label, without cmark's back links."""
    marks = list(_CMARK_NOTE.finditer(section))
    notes = {}
    ends = [mark.start() for mark in marks[1:]] + [len(section)] if marks else []
    for mark, end in zip(marks, ends, strict=True):
        text = section[mark.end():end]
        notes[mark.group(1)] = _CMARK_BACKREF.sub("", text.removesuffix("</li>\n")).strip()
    return notes


class _Document:
    """Parts of one text that share their footnotes and headings: an article's body, or an
    interview's introduction and turns (each part parsed alone, so an unclosed block stays
    in its part). Footnotes are numbered in the order readers meet them."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.numbers: dict[str, int] = {}  # label (as cmark escapes it) -> number
        self.references: dict[str, int] = {}  # label -> references so far
        self.notes: dict[str, str] = {}  # label -> HTML of the note

    def add(self, html: str) -> None:
        self.parts.append(_CMARK_REF.sub(self._reference, html))

    def _reference(self, match: re.Match[str]) -> str:
        label = match.group(1)
        number = self.numbers.setdefault(label, len(self.numbers) + 1)
        seen = self.references.get(label, 0)
        self.references[label] = seen + 1
        return (f'<sup id="{_reference_id(label, seen)}"><a class="footnote-ref" href="#fn:{label}">'
                f"{number}</a></sup>")

    def _reference_in_note(self, match: re.Match[str]) -> str:
        """A note that refers to another: a plain link (no back link leads to it)."""
        label = match.group(1)
        number = self.numbers.get(label, "")
        return f'<sup><a class="footnote-ref" href="#fn:{label}">{number or "*"}</a></sup>'

    def html(self) -> tuple[list[str], str]:
        """The sanitized HTML of each part, and of the notes ("" without notes)."""
        levels = [int(level) for part in self.parts for _, level in _HEADING.findall(part)]
        shift = 2 - min(levels, default=2)
        parts = [_sanitize(_demote(part, shift)).strip() for part in self.parts]
        return parts, self._notes_html(shift)

    def _notes_html(self, shift: int) -> str:
        order = [label for label in self.numbers if label in self.notes]
        order += [label for label in self.notes if label not in self.numbers]
        if not order:
            return ""
        items = []
        for label in order:
            text = _sanitize(_CMARK_REF.sub(self._reference_in_note, _demote(self.notes[label], shift)))
            backrefs = "".join(
                f'<a class="footnote-backref" href="#{_reference_id(label, n)}" '
                'title="Back to the text">&#8617;</a>'
                for n in range(self.references.get(label, 0)))
            if backrefs and text.endswith("</p>"):
                text = text.removesuffix("</p>") + "&#160;" + backrefs + "</p>"
            elif backrefs:
                text += f"\n<p>{backrefs}</p>"
            items.append(f'<li id="fn:{label}">\n{text}\n</li>')
        # The frame and the back links are ours, added after sanitizing the notes (so a
        # writer's <div class="footnote"> is only a div).
        return '<div class="footnote">\n<hr>\n<ol>\n' + "\n".join(items) + "\n</ol>\n</div>"


def _reference_id(label: str, n: int) -> str:
    """The id of the n-th reference (from 0) to a note: fnref:label, fnref2:label, ..."""
    return f"fnref:{label}" if n == 0 else f"fnref{n + 1}:{label}"


def _demote(html: str, shift: int) -> str:
    """The page title is the only h1: a text's highest heading becomes h2, the rest follow.

    Whether a writer starts at # or at ##, headings then go h1 (title), h2, h3... with no
    level skipped, as screen-reader users navigate by them.
    """
    if not shift:
        return html
    return _HEADING.sub(lambda m: f"<{m.group(1)}h{min(int(m.group(2)) + shift, 6)}>", html)


def markdown_to_html(source: str) -> str:
    """Render a writer's Markdown (footnotes, tables, headings) to sanitized HTML."""
    document = _Document()
    body, section = _cmark(normalize_newlines(source))
    document.add(body)
    document.notes = _cmark_notes(section)
    (html,), notes = document.html()
    return f"{html}\n{notes}" if notes else html


# Footnote markers and the links back from a note: numbers and arrows, not words.
_FOOTNOTE_LINKS = re.compile(r'<sup id="fnref[^"]*">.*?</sup>|<a class="footnote-backref"[^>]*>.*?</a>')


def html_to_text(html: str) -> str:
    """The words of stored, sanitized HTML (for the search index): tags and footnote markers
    gone, entities decoded."""
    return Markup(_FOOTNOTE_LINKS.sub("", html)).striptags()


# --- Passages: the blocks of a body that readers can be sent to -----------------------

# Blocks that get an id (their own, as a footnote's <li id="fn:x">, or "p-N" by their place)
# and the tags that end a passage of text. Tags in stored HTML are ours, sanitized: no ">"
# inside a value, so the attribute part cannot run past its tag.
_ANCHORED = re.compile(r'<(p|h[2-6]|li|pre)((?: [a-z-]+="[^"]*")*)>')
_BLOCK_TAG = re.compile(r"</?(?:p|h[1-6]|li|ul|ol|pre|blockquote|div|table|thead|tbody|tr|td|th"
                        r"|figure|figcaption|hr|section)\b[^<>]*>")
_OWN_ID = re.compile(r' id="([^"]*)"')


def number_blocks(html: str) -> str:
    """Stored body HTML with an id on every paragraph, heading, list item and code block
    ("p-1", "p-2"...; a footnote keeps its own), so a search result can link to it."""
    place = 0

    def number(match: re.Match[str]) -> str:
        nonlocal place
        place += 1
        if _OWN_ID.search(match.group(2)):
            return match.group(0)
        return f'<{match.group(1)} id="p-{place}"{match.group(2)}>'

    return _ANCHORED.sub(number, html)


def text_blocks(html: str, numbered: bool = True) -> list[tuple[str, str]]:
    """(anchor, text) of each passage of stored HTML, in order: the id of the innermost
    block around it as number_blocks gives it (with numbered=False, only ids of their own,
    as a footnote's), and its words as html_to_text reads them. Text outside any such
    block (a table cell) belongs to the block before it."""
    html = _FOOTNOTE_LINKS.sub("", html)
    starts = {m.start(): m for m in _ANCHORED.finditer(html)}
    found: list[tuple[str, str]] = []
    open_blocks: list[tuple[str, str]] = []  # (tag, anchor) of the anchored blocks we are in
    last, place, position = "", 0, 0
    for tag in [*_BLOCK_TAG.finditer(html), None]:
        end = tag.start() if tag is not None else len(html)
        text = str(Markup(html[position:end]).striptags()).strip()
        if text:
            inner = next((anchor for _, anchor in reversed(open_blocks) if anchor), last)
            found.append((inner, text))
            last = inner
        if tag is None:
            break
        position = tag.end()
        opened = starts.get(tag.start())
        if opened is not None:
            place += 1
            own = _OWN_ID.search(opened.group(2))
            open_blocks.append((opened.group(1), own.group(1) if own else
                                f"p-{place}" if numbered else ""))
        elif tag.group().startswith("</") and open_blocks and tag.group()[2:-1] == open_blocks[-1][0]:
            open_blocks.pop()
    return found


def normalize_newlines(text: str) -> str:
    """CRLF and CR count as LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


# --- Interviews: introduction and turns share one set of notes --------------------------


def _footnote_definitions(footnotes: list[tuple[str, str]]) -> str:
    """`[^label]: text` blocks; further paragraphs of a note indented, as Markdown expects."""
    blocks = []
    for label, text in footnotes:
        first, *rest = normalize_newlines(text).split("\n\n")
        indented = ["\n".join("    " + line for line in part.split("\n")) for part in rest]
        blocks.append("\n\n".join([f"[^{label}]: {first}", *indented]))
    return "\n\n".join(blocks)


def interview_to_html(parts: list[str], footnotes: list[tuple[str, str]]) -> tuple[list[str], str]:
    """Render the parts of an interview (introduction, then each turn) so that footnote
    references in any part link to the one set of notes.

    Returns the sanitized HTML of each part and of the footnotes block ("" without notes).
    Each part is parsed with a stand-in definition of the notes it refers to only (so the
    work stays linear in the transcript); the notes are parsed once, on their own, so a
    writer's literal `<div class="footnote">` in a part is only a div on the page.
    """
    defined = {label.casefold(): label for label, _ in footnotes}
    document = _Document()
    for part in parts:
        part = normalize_newlines(part)
        labels = {defined[found.casefold()] for found in _SOURCE_REF.findall(part)
                  if found.casefold() in defined}
        stand_ins = "".join(f"[^{label}]: .\n\n" for label in sorted(labels))
        # The comment ends the stand-ins, so a part that starts indented is not a note.
        body, _ = _cmark(f"{stand_ins}<!-- -->\n\n{part}" if stand_ins else part)
        document.add(body)
    if footnotes:
        every_note = " ".join(f"[^{label}]" for label, _ in footnotes)
        _, section = _cmark(f"{every_note}\n\n{_footnote_definitions(footnotes)}")
        document.notes = _cmark_notes(section)
    return document.html()


def set_apart(html: str) -> str:
    """Paragraphs in bold, as print interviews set the interviewer's questions."""
    return html.replace("<p>", "<p><strong>").replace("</p>", "</strong></p>")


# --- Commenters: plain text, where only <p> and <br> mean anything ----------------------------

COMMENT_TAGS = frozenset({"p", "br"})

# A typed <p>, </p>, <br>, <br/> or </br>, with any attributes (quoted values may hold ">").
_TYPED_TAG = r"<(?:/\s*)?{name}(?=[\s/>])(?:[^<>\"']|\"[^\"]*\"|'[^']*')*>"
_TYPED_BR = re.compile(_TYPED_TAG.format(name="br") + r"[ \t]*\n?", re.IGNORECASE)
_TYPED_P = re.compile(r"\s*" + _TYPED_TAG.format(name="p") + r"\s*", re.IGNORECASE)
_BLANK_LINES = re.compile(r"\n(?:[^\S\n]*\n)+")

_comment_cleaner = nh3.Cleaner(tags=set(COMMENT_TAGS), attributes={}, link_rel=None,
                               strip_comments=True)


def plain_text_to_html(text: str) -> str:
    """A commenter's plain text as HTML: paragraphs and line breaks, everything else literal.

    Typed <p> and <br> keep their meaning (without attributes); any other markup is
    escaped, so it shows exactly as typed; addresses stay text.
    """
    text = normalize_newlines(text)
    text = _TYPED_BR.sub("\n", text)
    text = _TYPED_P.sub("\n\n", text)
    lines = [line.rstrip() for line in text.split("\n")]
    paragraphs = _BLANK_LINES.split("\n".join(lines).strip("\n"))
    html = "\n".join(
        "<p>" + "<br>".join(escape(line, quote=False) for line in paragraph.split("\n")) + "</p>"
        for paragraph in paragraphs
        if paragraph.strip()
    )
    return _comment_cleaner.clean(html)
