"""The public pages of the site, in one place: what a mirror holds, what has a canonical link.

Each entry names an endpoint and the url_for values of each of its pages. A list's later
pages (`?page=2`) and a piece's later comment pages (`?comments=2`) need no entry: the
mirror follows the pager's `rel="next"` links from the first page. A new public page is one
entry here; a list page with a language prefix (/ru/...) takes `in_every_language`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from flask import has_request_context, request
from sqlalchemy import and_, select

from cms.articles import services
from cms.articles.models import Article, Contributor, Credit, Piece, Tag, piece_tags
from cms.campaigns.services import all_campaigns
from cms.extensions import db
from cms.forms import page_number
from cms.i18n import DEFAULT, UI_LANGUAGES, list_language
from cms.interviews.models import Interview
from cms.links import external_url

Values = dict[str, Any]


def _one() -> Iterable[Values]:
    return ({},)


@dataclass(frozen=True)
class Pages:
    """The public pages of one endpoint: the url_for values of each (one page without values)."""

    endpoint: str
    each: Callable[[], Iterable[Values]] = field(default=_one)
    html: bool = True  # a page readers open (it has a canonical link), not a feed or a file


def piece_slugs(kind: type[Piece]) -> Iterator[Values]:
    """Every public piece of `kind`, at its own address."""
    for slug in db.session.scalars(select(kind.slug).where(kind.public_filter()).order_by(kind.id)):
        yield {"slug": slug}


def _public(language: str | None = None) -> Any:
    return Piece.public_filter() if language is None else and_(Piece.public_filter(),
                                                               Piece.language == language)


def public_tags(language: str | None = None) -> list[Tag]:
    """Tags that at least one public piece (in `language`) carries, by kind and name: the
    others have no page, or no link to theirs in that language."""
    carried = (select(piece_tags.c.tag_id).join(Piece, Piece.id == piece_tags.c.piece_id)
               .where(_public(language)))
    return list(db.session.scalars(select(Tag).where(Tag.id.in_(carried)).order_by(Tag.kind, Tag.name)))


def public_tag_slugs(language: str | None = None) -> Iterator[Values]:
    for tag in public_tags(language):
        yield {"slug": tag.slug}


def campaign_slugs() -> Iterator[Values]:
    for campaign in all_campaigns():
        yield {"slug": campaign.slug}


def archive_months() -> Iterator[Values]:
    for year, month, _count in services.archive_months():
        yield {"year": year, "month": month}


def contributor_slugs(language: str | None = None) -> Iterator[Values]:
    """Everyone a public piece (in `language`) credits: the others have no page, or no link
    to theirs in that language."""
    credited = (select(Credit.contributor_id).join(Piece, Piece.id == Credit.piece_id)
                .where(_public(language)))
    for slug in db.session.scalars(select(Contributor.slug).where(Contributor.id.in_(credited))
                                   .order_by(Contributor.slug)):
        yield {"slug": slug}


def in_every_language(each: Callable[..., Iterable[Values]] = _one,
                      by_language: bool = False) -> Callable[[], Iterator[Values]]:
    """A list's pages, then the same in each language of the interface (/ru/..., cms.i18n);
    `by_language`: `each` takes the language, for lists reached from that language's pieces
    (a tag, a contributor), which the default language's pieces link to without a prefix."""
    def every() -> Iterator[Values]:
        for language in (None, *UI_LANGUAGES):
            if by_language and language == DEFAULT:
                continue
            for values in (each(language) if by_language else each()):
                yield values if language is None else {**values, "lang": language}
    return every


PUBLIC_PAGES: tuple[Pages, ...] = (
    Pages("articles.home", in_every_language()),
    Pages("articles.show", lambda: piece_slugs(Article)),
    Pages("interviews.index", in_every_language()),
    Pages("interviews.show", lambda: piece_slugs(Interview)),
    Pages("articles.campaign", in_every_language(campaign_slugs)),
    Pages("articles.campaign_feed", in_every_language(campaign_slugs), html=False),
    Pages("articles.tag", in_every_language(public_tag_slugs, by_language=True)),
    Pages("articles.contributor", in_every_language(contributor_slugs, by_language=True)),
    Pages("articles.archive", in_every_language()),
    Pages("articles.archive_month", in_every_language(archive_months)),
    Pages("articles.feed", in_every_language(), html=False),
    Pages("mirror.mirrors"),
    Pages("mirror.mirrors_json", html=False),
    Pages("crawlers.sitemap", html=False),
    Pages("crawlers.favicon", html=False),
    Pages("crawlers.touch_icon", html=False),
)


def public_endpoints() -> frozenset[str]:
    """The endpoints of readers' pages (not feeds or files)."""
    return frozenset(pages.endpoint for pages in PUBLIC_PAGES if pages.html)


def canonical_url() -> str | None:
    """The address of this page on CMS_BASE_URL, for a readers' page (None elsewhere): what
    `<link rel="canonical">` and the sharing cards name, on the site and in every mirror."""
    if not has_request_context() or request.endpoint not in public_endpoints():
        return None
    values = dict(request.view_args or {})
    if list_language():  # /ru/...: its prefix was taken out of the view's values
        values["lang"] = list_language()
    page = page_number(request.args.get("page"))
    if page > 1:
        values["page"] = page
    return external_url(request.endpoint, **values)
