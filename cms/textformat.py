"""The only place user text becomes HTML.

Writers' Markdown and commenters' plain text each have one renderer and one
allow-list here; bleach is imported nowhere else, so replacing it is a one-file
change.
"""

from __future__ import annotations

from functools import partial
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element

import bleach
import markdown
from bleach.linkifier import LinkifyFilter
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

# --- Writers: Markdown with footnotes, tables and headings ------------------------------

ARTICLE_TAGS = frozenset({
    "a", "abbr", "blockquote", "br", "code", "del", "div", "em", "figcaption", "figure",
    "h2", "h3", "h4", "h5", "h6", "hr", "img", "li", "ol", "p", "pre", "strong", "sub",
    "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
})
ARTICLE_PROTOCOLS = frozenset({"http", "https", "mailto"})


def _same_host_path(value: str) -> bool:
    """Images load from this site only: a path, never a URL of another host."""
    return value.startswith("/") and not value.startswith("//") and "\\" not in value


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
    href = attrs.get((None, "href"), "")
    if urlsplit(href).netloc:
        attrs[(None, "rel")] = "noopener noreferrer"
    else:
        attrs.pop((None, "rel"), None)
    return attrs


class _DemoteHeadings(Treeprocessor):
    """The page title is the only h1: a writer's # becomes h2, ## h3, and so on."""

    def run(self, root: Element) -> None:
        for element in root.iter():
            if len(element.tag) == 2 and element.tag[0] == "h" and element.tag[1] in "12345":
                element.tag = f"h{int(element.tag[1]) + 1}"


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


def normalize_newlines(text: str) -> str:
    """CRLF and CR count as LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")
