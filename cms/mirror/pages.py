"""The public pages of the site, in one place: what a mirror holds, what has a canonical link.

Each entry names an endpoint and the url_for values of each of its pages. A list's later
pages (`?page=2`) and a piece's later comment pages (`?comments=2`) need no entry: the
mirror follows the pager's `rel="next"` links from the first page. A new public page
(contributors, say) is one entry here:

    Pages("contributors.show", lambda: ({"slug": slug} for slug in public_contributor_slugs()))
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from flask import has_request_context, request
from sqlalchemy import select

from cms.articles import services
from cms.articles.models import Article, Piece, Tag, piece_tags
from cms.campaigns.services import all_campaigns
from cms.extensions import db
from cms.forms import page_number
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


def public_tags() -> list[Tag]:
    """Tags that at least one public piece carries (the others have no page), by kind and name."""
    carried = (select(piece_tags.c.tag_id).join(Piece, Piece.id == piece_tags.c.piece_id)
               .where(Piece.public_filter()))
    return list(db.session.scalars(select(Tag).where(Tag.id.in_(carried)).order_by(Tag.kind, Tag.name)))


def public_tag_slugs() -> Iterator[Values]:
    for tag in public_tags():
        yield {"slug": tag.slug}


def campaign_slugs() -> Iterator[Values]:
    for campaign in all_campaigns():
        yield {"slug": campaign.slug}


def archive_months() -> Iterator[Values]:
    for year, month, _count in services.archive_months():
        yield {"year": year, "month": month}


PUBLIC_PAGES: tuple[Pages, ...] = (
    Pages("articles.home"),
    Pages("articles.show", lambda: piece_slugs(Article)),
    Pages("interviews.index"),
    Pages("interviews.show", lambda: piece_slugs(Interview)),
    Pages("articles.campaign", campaign_slugs),
    Pages("articles.campaign_feed", campaign_slugs, html=False),
    Pages("articles.tag", public_tag_slugs),
    Pages("articles.archive"),
    Pages("articles.archive_month", archive_months),
    Pages("articles.feed", html=False),
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
    page = page_number(request.args.get("page"))
    if page > 1:
        values["page"] = page
    return external_url(request.endpoint, **values)
