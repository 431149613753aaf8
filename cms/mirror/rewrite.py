"""Links in a mirror's pages and feeds made relative, so the copy works from any address.

Every `href`, `src` and `srcset` in a start tag is read: an address of this site (written
`/articles/x`, relative, or absolute on CMS_BASE_URL) that the mirror holds becomes the
relative link to its file; one it does not hold (the comment form, a page the mirror has
no copy of) becomes absolute on CMS_BASE_URL, and is counted. Addresses of other sites,
fragments and `mailto:` stay as written, and so does the canonical link: it names the
original by definition. Our pages are serialized by Jinja and the sanitizer, which always
quote attributes with double quotes and escape `<` in text, so start tags are found by a
pattern that respects quoted values.
"""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from cms.links import parse_base_url
from cms.mirror.paths import is_file_address, relative_link

# (address path, query) -> the file of the mirror that holds it, or None.
Resolve = Callable[[str, str], "str | None"]

START_TAG = re.compile(
    r"""<[A-Za-z][^\s/>]*(?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?)*\s*/?>""")
LINK_ATTRIBUTE = re.compile(r'(\s)(href|src|srcset)(\s*=\s*)"([^"]*)"', re.IGNORECASE)
REL = re.compile(r'\srel\s*=\s*"([^"]*)"', re.IGNORECASE)
KNOWN_LIMIT = 20_000


@dataclass
class Rewriter:
    """Rewrites the links of one build; `origin_links` keeps each link left to CMS_BASE_URL."""

    base_url: str
    resolve: Resolve
    follow: Callable[[str, str], None]  # a pager's next or previous page: the mirror holds it too
    origin_links: list[tuple[str, str]] = field(default_factory=list)
    # (address, folder of the linking file) -> its relative link, for addresses the mirror holds
    # that do not depend on the page they are on (every page has the same menus).
    _known: dict[tuple[str, str], str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        scheme, netloc, path = parse_base_url(self.base_url)
        self.scheme, self.netloc, self.base_path = scheme, netloc, path
        self.origin = f"{scheme}://{netloc}{path}"

    def rewrite(self, text: str, source: str, page: str) -> str:
        """`text` of the file `source`, served at the address `page` (path and query), with
        its links made relative."""
        return START_TAG.sub(lambda tag: self._tag(tag.group(0), source, page), text)

    def _tag(self, tag: str, source: str, page: str) -> str:
        if "href" not in tag and "src" not in tag:
            return tag
        rel = REL.search(tag)
        rels = set(rel.group(1).lower().split()) if rel else set()
        if "canonical" in rels:
            return tag
        pager = bool(rels & {"next", "prev"})

        def attribute(match: re.Match[str]) -> str:
            space, name, equals, value = match.groups()
            raw = html.unescape(value)
            if name.lower() == "srcset":
                new = ", ".join(self._srcset_item(item, source, page) for item in raw.split(","))
            else:
                new = self.link(raw, source, page, pager)
            return f'{space}{name}{equals}"{html.escape(new)}"'

        return LINK_ATTRIBUTE.sub(attribute, tag)

    def _srcset_item(self, item: str, source: str, page: str) -> str:
        address, _, descriptor = item.strip().partition(" ")
        return " ".join(filter(None, (self.link(address, source, page), descriptor.strip())))

    def local_path(self, address: str, page: str) -> tuple[str, str, str] | None:
        """(path, query, fragment) below CMS_BASE_URL of an address of this site, else None."""
        parts = urlsplit(address)
        if parts.scheme or parts.netloc:
            if parts.scheme not in {"http", "https", ""} or parts.netloc.lower() != self.netloc:
                return None
            if parts.path != self.base_path and not parts.path.startswith(self.base_path + "/"):
                return None
            path = parts.path[len(self.base_path):] or "/"
        elif parts.path:
            path = urljoin(page.partition("?")[0], parts.path)
        else:
            path = page.partition("?")[0]
        return path, parts.query, parts.fragment

    def link(self, address: str, source: str, page: str, pager: bool = False) -> str:
        """The link to `address` from the file `source`: relative when the mirror holds it."""
        if not address or address.startswith("#"):
            return address
        fixed = not pager and (address.startswith("/") or "://" in address)
        key = (address, posixpath.dirname(source))
        if fixed and key in self._known:
            return self._known[key]
        link, to_origin = self._link(address, source, page, pager)
        if to_origin:
            self.origin_links.append((source, link))
        elif fixed:
            if len(self._known) > KNOWN_LIMIT:
                self._known.clear()
            self._known[key] = link
        return link

    def _link(self, address: str, source: str, page: str, pager: bool) -> tuple[str, bool]:
        local = self.local_path(address, page)
        if local is None:
            return address, False
        path, query, fragment = local
        if pager:
            self.follow(path, query)
        target = self.resolve(path, query)
        after = f"#{fragment}" if fragment else ""
        if target is None:
            return self.origin + path + (f"?{query}" if query else "") + after, True
        link = relative_link(source, target)
        if query and is_file_address(path):
            link += f"?{query}"  # a stylesheet's version: the file ignores it, caches do not
        return link + after, False
