"""Keeping the index in step with the database, rebuilding it, and asking it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from flask import current_app
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from cms.articles.feeds import piece_url
from cms.articles.models import Piece, PieceStatus, Tag, piece_tags
from cms.campaigns.models import Campaign
from cms.database import utcnow
from cms.extensions import db
from cms.languages import language_name
from cms.search.backend import SORTS, SearchRequest, SearchResults, get_backend
from cms.search.documents import all_documents, load_documents
from cms.search.models import SearchBacklog

MAX_PAGE = 1000
# Values listed per facet on the page, the most frequent first (the counts are over every
# result; hundreds of tag links would cost more to render than the search).
FACET_VALUES_SHOWN = 15


def _loader(session: Session) -> Callable[[Iterable[int]], dict]:  # type: ignore[type-arg]
    def load(ids: Iterable[int]) -> dict:  # type: ignore[type-arg]
        session.rollback()  # a new transaction: read what is committed now, not a snapshot
        return load_documents(session, ids)

    return load


def backlog_ids(session: Session) -> set[int]:
    return set(session.scalars(select(SearchBacklog.piece_id)))


def _remember(session: Session, piece_ids: set[int]) -> None:
    session.rollback()
    known = backlog_ids(session)
    new = sorted(piece_ids - known)
    if new:
        session.execute(insert(SearchBacklog), [{"piece_id": i, "since": utcnow()} for i in new])
    session.commit()


def _forget(session: Session, piece_ids: set[int], before: datetime) -> None:
    session.execute(delete(SearchBacklog).where(SearchBacklog.piece_id.in_(sorted(piece_ids)),
                                                SearchBacklog.since <= before))
    session.commit()


def pieces_of(session: Session, tag_ids: Iterable[int] = (), campaign_ids: Iterable[int] = ()) -> set[int]:
    """The pieces under changed tags or campaigns: their documents carry the names."""
    found: set[int] = set()
    if tag_ids:
        found |= set(session.scalars(
            select(piece_tags.c.piece_id).where(piece_tags.c.tag_id.in_(sorted(set(tag_ids))))))
    if campaign_ids:
        found |= set(session.scalars(
            select(Piece.id).where(Piece.campaign_id.in_(sorted(set(campaign_ids))))))
    return found


def write_in_transaction(session: Session, changes: dict[str, set[int]]) -> None:
    """An engine in the database: write the changed pieces' documents in the transaction that
    changes them (before its commit), so that both are written or neither is."""
    wanted = changes["pieces"] | pieces_of(session, changes["tags"], changes["campaigns"])
    if wanted:
        get_backend().write(session.connection(), load_documents(session, wanted))


def update_index(piece_ids: Iterable[int], tag_ids: Iterable[int] = (),
                 campaign_ids: Iterable[int] = ()) -> bool:
    """Index these pieces after a commit; on failure log and keep them in the backlog.

    Never raises: the database write has happened and stays. Returns whether it worked.
    """
    backend = get_backend()
    if backend.transactional:
        return True  # written with the commit itself
    wanted = set(piece_ids)
    with Session(db.engine) as session:
        try:
            wanted |= pieces_of(session, tag_ids, campaign_ids)
            waiting = backlog_ids(session)
            started = utcnow()
            if not backend.available():
                _rebuild(session)
            elif wanted | waiting:
                backend.sync(wanted | waiting, _loader(session))
            if waiting:
                _forget(session, waiting, started)
            return True
        except Exception:
            current_app.logger.exception(
                "search: index update failed for pieces %s; kept for the next update", sorted(wanted))
            try:
                _remember(session, wanted)
            except Exception:
                current_app.logger.exception("search: could not record the pieces to index later")
            return False


def _rebuild(session: Session, progress: Callable[[int], None] | None = None) -> int:
    """A new index from the database, swapped in; then whatever changed meanwhile."""
    backend = get_backend()
    started = utcnow()
    written = backend.rebuild(all_documents(session), progress)
    session.rollback()
    changed = set(session.scalars(select(Piece.id).where(Piece.updated_at >= started)))
    indexable = set(session.scalars(select(Piece.id).where(
        Piece.status == PieceStatus.PUBLISHED, Piece.published_at.is_not(None))))
    stale = backend.document_ids() - indexable
    waiting = backlog_ids(session)
    if changed | stale | waiting:
        backend.sync(changed | stale | waiting, _loader(session))
    session.execute(delete(SearchBacklog).where(SearchBacklog.since <= started))
    session.commit()
    return written


def reindex(progress: Callable[[int], None] | None = None) -> int:
    """Rebuild the whole index from the database (the site answers from the old one meanwhile)."""
    with Session(db.engine) as session:
        return _rebuild(session, progress)


def indexable_count() -> int:
    return db.session.scalar(select(func.count(Piece.id)).where(
        Piece.status == PieceStatus.PUBLISHED, Piece.published_at.is_not(None))) or 0


@dataclass(frozen=True)
class Status:
    available: bool
    indexed: int
    published: int
    scheduled: int
    backlog: int
    ended: int = 0  # published, indexed, past their end date: not found


def status() -> Status:
    backend = get_backend()
    now = utcnow()
    published = db.session.scalar(select(func.count(Piece.id)).where(Piece.public_filter(now))) or 0
    ended = db.session.scalar(select(func.count(Piece.id)).where(
        Piece.status == PieceStatus.PUBLISHED, Piece.unpublish_at <= now)) or 0
    return Status(
        available=backend.available(),
        indexed=len(backend.document_ids()),
        published=published,
        scheduled=indexable_count() - published - ended,
        ended=ended,
        backlog=db.session.scalar(select(func.count(SearchBacklog.piece_id))) or 0,
    )


def search(text: str, filters: dict[str, str], sort: str = "relevance", page: int = 1,
           language: str = "") -> SearchResults:
    """Ask the backend (a story in several languages is one result, in `language` when that
    version matches), then label the facets (campaign titles, tag names) from the database and
    list each result's other languages."""
    request = SearchRequest(
        text=text, filters=filters, sort=sort if sort in SORTS else SORTS[0],
        page=min(max(page, 1), MAX_PAGE), per_page=current_app.config["CMS_SEARCH_PAGE_SIZE"],
        now=utcnow(), language=language,
    )
    backend = get_backend()
    results = backend.search(request)
    results.facets = {name: values[:FACET_VALUES_SHOWN] for name, values in results.facets.items()}
    if not backend.transactional:  # an index in the database is never behind it
        _drop_unpublished(results, request.now)
    _label(results, filters)
    _other_versions(results, request.now)
    return results


def _other_versions(results: SearchResults, now: datetime | None) -> None:
    """Each result's story in its other public languages (one query for the page)."""
    ids = [hit.id for hit in results.hits]
    if not ids:
        return
    stories = dict(db.session.execute(select(Piece.id, func.coalesce(Piece.original_id, Piece.id))
                                      .where(Piece.id.in_(ids))).all())
    members = db.session.scalars(select(Piece).where(
        Piece.public_filter(now), func.coalesce(Piece.original_id, Piece.id).in_(set(stories.values())))
        .order_by(Piece.language)).all()
    by_story: dict[int, list[Piece]] = {}
    for member in members:
        by_story.setdefault(member.original_id or member.id, []).append(member)
    results.hits = [replace(hit, versions=tuple(
        (other.language, piece_url(other)) for other in by_story.get(stories.get(hit.id, hit.id), [])
        if other.id != hit.id)) for hit in results.hits]


def _drop_unpublished(results: SearchResults, now: datetime | None = None) -> None:
    """The database has the last word: a piece unpublished while the index could not be
    updated (it waits in the backlog) is not shown, whatever the index still says. It is
    asked as of the same time as the index, so both agree on dates and end dates."""
    ids = [hit.id for hit in results.hits]
    if not ids:
        return
    public = set(db.session.scalars(select(Piece.id).where(Piece.id.in_(ids), Piece.public_filter(now))))
    if len(public) < len(ids):
        results.hits = [hit for hit in results.hits if hit.id in public]
        results.total = max(results.total - (len(ids) - len(public)), len(results.hits))


def _kind_plural(key: str) -> str:
    kind = Piece.kind_named(key)
    return kind.plural if kind is not None else key


def _labels(campaign_keys: Iterable[str], tag_keys: Iterable[str]) -> dict[str, Callable[[str], str]]:
    """How each facet's keys read on the page: campaign titles and tag names from the
    database, kinds as they name themselves, languages in their own language."""
    campaign_ids = sorted({int(key) for key in campaign_keys if key.isdigit() and len(key) < 10})
    titles = {str(row.id): row.title for row in db.session.execute(
        select(Campaign.id, Campaign.title).where(Campaign.id.in_(campaign_ids)))} if campaign_ids else {}
    slugs = sorted(set(tag_keys))
    names = {row.slug: row.name for row in db.session.execute(
        select(Tag.slug, Tag.name).where(Tag.slug.in_(slugs)))} if slugs else {}
    return {
        "kind": _kind_plural,
        "campaign": lambda key: titles.get(key, key),
        "tag": lambda key: names.get(key, key),
        "language": language_name,
    }


def _label(results: SearchResults, filters: Mapping[str, str]) -> None:
    """Label the facet values and the filters in use."""
    labels = _labels([*(v.key for v in results.facets.get("campaign", [])), filters.get("campaign", "")],
                     [*(v.key for v in results.facets.get("tag", [])), *filter(None, [filters.get("tag")])])
    for name, values in results.facets.items():
        label = labels.get(name, str)
        results.facets[name] = [replace(v, label=label(v.key)) for v in values]
    results.filter_labels = {name: labels.get(name, str)(key) for name, key in filters.items()}
