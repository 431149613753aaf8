"""The only place user text becomes HTML.

Writers' Markdown and commenters' plain text each have one renderer and one
allow-list here; bleach is imported nowhere else, so replacing it is a one-file
change.
"""

from __future__ import annotations

import re
import secrets
from functools import partial
from html import escape, unescape
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element

import bleach
import markdown
from bleach.linkifier import LinkifyFilter
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup

# --- Writers: Markdown with footnotes, tables and headings ------------------------------

ARTICLE_TAGS = frozenset({
    "a", "abbr", "blockquote", "br", "code", "del", "div", "em", "figcaption", "figure",
    "h2", "h3", "h4", "h5", "h6", "hr", "img", "li", "ol", "p", "pre", "strong", "sub",
    "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
})
ARTICLE_PROTOCOLS = frozenset({"http", "https", "mailto"})


# Browsers drop tab, LF and CR from URLs and read "\\" as "/": "/\t/evil.example" is "//evil.example".
_URL_IGNORED = str.maketrans("", "", "\t\n\r")


def _as_browser_reads(value: str) -> str:
    """The URL a browser would follow: entities decoded (bleach keeps them), then cleaned."""
    return unescape(value).translate(_URL_IGNORED).replace("\\", "/").strip()


def _same_host_path(value: str) -> bool:
    """Images load from this site only: a path, never a URL of another host."""
    url = _as_browser_reads(value)
    return url.startswith("/") and not url.startswith("//") and not urlsplit(url).netloc


def _article_attribute(tag: str, name: str, value: str) -> bool:
    if name == "title" or (name == "id" and tag in {"li", "sup"}):
        return True
    if tag == "a" and name in {"href", "class", "rel"}:
        return True
    if tag == "img":
        return name in {"alt", "width", "height"} or (name == "src" and _same_host_path(value))
    if tag == "div" and name == "class":
        return value == "footnote"
    if tag in {"td", "th"} and name == "style":
        return False
    if tag in {"td", "th"} and name == "align":
        return value in {"left", "right", "center"}
    return tag == "ol" and name == "start"


def _external_link_rel(attrs: dict, new: bool = False) -> dict | None:
    """Links to other hosts open without telling them where the reader came from."""
    href = _as_browser_reads(attrs.get((None, "href"), ""))
    parts = urlsplit(href)
    if parts.netloc or href.startswith("//") or (parts.scheme and parts.scheme != "mailto"
                                                  and not href.startswith(f"{parts.scheme}://")):
        attrs[(None, "rel")] = "noopener noreferrer"
    else:
        attrs.pop((None, "rel"), None)
    return attrs


class _DemoteHeadings(Treeprocessor):
    """The page title is the only h1: a body's highest heading becomes h2, the rest follow.

    Whether a writer starts at # or at ##, headings then go h1 (title), h2, h3... with no
    level skipped, as screen-reader users navigate by them.
    """

    def run(self, root: Element) -> None:
        headings = [e for e in root.iter() if len(e.tag) == 2 and e.tag[0] == "h" and e.tag[1] in "123456"]
        if not headings:
            return
        shift = 2 - min(int(e.tag[1]) for e in headings)
        for element in headings:
            element.tag = f"h{min(int(element.tag[1]) + shift, 6)}"


class _DemoteHeadingsExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Markdown API)
        md.treeprocessors.register(_DemoteHeadings(md), "demote_headings", 5)


_article_cleaner = bleach.Cleaner(
    tags=ARTICLE_TAGS,
    attributes=_article_attribute,
    protocols=ARTICLE_PROTOCOLS,
    strip=True,
    strip_comments=True,
    filters=[
        partial(
            LinkifyFilter,
            callbacks=[_external_link_rel],
            skip_tags={"pre", "code"},
            parse_email=False,
        )
    ],
)


def markdown_to_html(source: str) -> str:
    """Render a writer's Markdown (footnotes, tables, headings) to sanitized HTML."""
    configs = {"footnotes": {"BACKLINK_TITLE": "Back to the text"}}
    renderer = markdown.Markdown(
        extensions=["footnotes", "tables", "sane_lists", _DemoteHeadingsExtension()],
        extension_configs=configs,
        output_format="html",
    )
    return _article_cleaner.clean(renderer.convert(normalize_newlines(source)))


# Footnote markers and the links back from a note: numbers and arrows, not words.
_FOOTNOTE_LINKS = re.compile(r'<sup id="fnref[^"]*">.*?</sup>|<a class="footnote-backref"[^>]*>.*?</a>')


def html_to_text(html: str) -> str:
    """The words of stored, sanitized HTML (for the search index): tags and footnote markers
    gone, entities decoded."""
    return Markup(_FOOTNOTE_LINKS.sub("", html)).striptags()


def normalize_newlines(text: str) -> str:
    """CRLF and CR count as LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


# --- Interviews: introduction and turns rendered as one document -------------------------


def _footnote_definitions(footnotes: list[tuple[str, str]]) -> str:
    """`[^label]: text` blocks; further paragraphs of a note indented, as Markdown expects."""
    blocks = []
    for label, text in footnotes:
        first, *rest = normalize_newlines(text).split("\n\n")
        indented = ["\n".join("    " + line for line in part.split("\n")) for part in rest]
        blocks.append("\n\n".join([f"[^{label}]: {first}", *indented]))
    return "\n\n".join(blocks)


def interview_to_html(parts: list[str], footnotes: list[tuple[str, str]]) -> tuple[list[str], str]:
    """Render the parts of an interview (introduction, then each turn) as one Markdown
    document, so footnote references in any turn link to the notes at the end.

    Returns the sanitized HTML of each part and of the footnotes block ("" without notes).
    """
    marker = f"interview-part-{secrets.token_hex(8)}"
    source = f"\n\n{marker}\n\n".join(normalize_newlines(part) for part in parts)
    source += "\n\n" + _footnote_definitions(footnotes)
    configs = {"footnotes": {"BACKLINK_TITLE": "Back to the text"}}
    renderer = markdown.Markdown(
        extensions=["footnotes", "tables", "sane_lists", _DemoteHeadingsExtension()],
        extension_configs=configs,
        output_format="html",
    )
    html = renderer.convert(source)
    body, found, notes = html.partition('<div class="footnote">')
    chunks = body.split(f"<p>{marker}</p>")
    if len(chunks) != len(parts):  # a part swallowed the marker (e.g. an unclosed block)
        chunks = [renderer.reset().convert(normalize_newlines(part)) for part in parts]
    notes_html = _article_cleaner.clean(found + notes).strip() if found else ""
    return [_article_cleaner.clean(chunk).strip() for chunk in chunks], notes_html


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

_comment_cleaner = bleach.Cleaner(tags=COMMENT_TAGS, attributes={}, protocols=set(), strip=False,
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
