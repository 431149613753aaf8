"""Scheduled unpublish: a piece leaves pages, lists, feeds, search and the page cache at its end
date, with no commit; it stays published, and the desk says it has ended."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from cms import database
from cms.accounts.models import User
from cms.articles import services
from cms.articles.models import Piece, PieceStatus
from cms.database import utcnow
from cms.extensions import db
from cms.interviews.models import Interview
from cms.search.whoosh import backend as whoosh_backend  # noqa: F401 (imported before the clock is patched)


class Clock:
    """The app's clock, moved by a test."""

    def __init__(self) -> None:
        self.now = utcnow().replace(microsecond=0)

    def move(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(app: Any, monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Every cms module's `utcnow` answers the clock's time: time passes with no commit (but
    the index's folders keep their real-time names, which must differ)."""
    moved = Clock()
    real = database.utcnow
    for name, module in list(sys.modules.items()):
        if (name.startswith("cms") and name != "cms.search.whoosh.backend"
                and getattr(module, "utcnow", None) is real):
            monkeypatch.setattr(module, "utcnow", lambda: moved.now)
    return moved


@pytest.fixture
def ending(app: Any, make_piece: Callable[..., Piece], clock: Clock) -> Callable[..., Piece]:
    """A piece published an hour ago that leaves the site in `hours` hours."""

    def make(title: str, hours: float = 1, **fields: Any) -> Piece:
        piece = make_piece(title, published_at=clock.now - timedelta(hours=1), **fields)
        with app.app_context():
            stored = db.session.get(Piece, piece.id)
            services.publish(stored, db.session.get(User, stored.author_id), None,
                             clock.now + timedelta(hours=hours))
        return piece

    return make


def _stored(app: Any, piece: Piece) -> Piece:
    with app.app_context():
        found = db.session.get(Piece, piece.id)
        db.session.expunge(found)
        return found


# --- Services --------------------------------------------------------------------------------


def test_a_piece_past_its_end_date_stays_published_but_is_not_public(app, ending, clock):
    piece = ending("Short-lived")
    with app.app_context():
        assert services.public_piece("short-lived") is not None
        assert [p.slug for p in db.session.scalars(services.public_pieces())] == ["short-lived"]
        clock.move(hours=2)
        stored = db.session.get(Piece, piece.id)
        assert stored.status == PieceStatus.PUBLISHED and stored.has_ended
        assert not stored.is_public()
        assert services.public_piece("short-lived") is None
        assert db.session.scalars(services.public_pieces()).all() == []
        assert services.archive_months() == []
        earlier = clock.now - timedelta(hours=2)
        assert stored.is_public(earlier)
        assert db.session.scalars(services.public_pieces(now=earlier)).all() == [stored]


def test_an_end_date_must_follow_the_publication_date_and_lie_ahead(app, make_piece, clock):
    piece = make_piece("Dated", status=PieceStatus.DRAFT)
    with app.app_context():
        stored = db.session.get(Piece, piece.id)
        author = db.session.get(User, stored.author_id)
        later = clock.now + timedelta(days=2)
        with pytest.raises(services.PieceError) as before:
            services.publish(stored, author, later, later - timedelta(hours=1))
        assert before.value.field == "unpublish_at"
        assert before.value.message == "The end date must come after the publication date."
        with pytest.raises(services.PieceError) as passed:
            services.publish(stored, author, None, clock.now - timedelta(minutes=1))
        assert passed.value.message == "The end date has passed: unpublish the piece instead."
        db.session.rollback()
        assert db.session.get(Piece, piece.id).status == PieceStatus.DRAFT  # nothing changed
        services.publish(stored, author, later, later + timedelta(days=1))
        assert stored.unpublish_at == later + timedelta(days=1)
        services.publish(stored, author, later)  # no end date given: none
        assert stored.unpublish_at is None


def test_the_next_public_change_is_the_first_date_or_end_date_to_come(app, make_piece, ending, clock):
    start = clock.now
    ending("Leaves in three hours", hours=3)
    make_piece("Appears in two hours", published_at=clock.now + timedelta(hours=2))
    make_piece("Draft", status=PieceStatus.DRAFT)
    with app.app_context():
        assert services.next_public_change(start) == clock.now + timedelta(hours=2)
        assert services.next_public_change(clock.now + timedelta(hours=2)) == clock.now + timedelta(hours=3)
        assert services.next_public_change(clock.now + timedelta(hours=3)) is None


# --- Pages, lists and feeds, through the page cache ------------------------------------------


def test_pages_lists_and_feeds_drop_the_piece_at_its_end_date(client, ending, make_campaign, clock):
    campaign = make_campaign("Free expression")
    ending("Until tonight", topics=["Free speech"], campaign_id=campaign.id)
    month = f"/archive/{clock.now.year}/{clock.now.month}"
    lists = ["/", "/feed.atom", f"/campaigns/{campaign.slug}", f"/campaigns/{campaign.slug}/feed.atom",
             "/tags/free-speech", month]
    assert client.get("/articles/until-tonight").status_code == 200
    for url in lists:
        assert "Until tonight" in client.get(url).get_data(as_text=True), url
        assert "Until tonight" in client.get(url).get_data(as_text=True), url  # from the cache
    clock.move(hours=1, seconds=1)
    assert client.get("/articles/until-tonight").status_code == 404
    for url in lists:
        response = client.get(url)
        assert "Until tonight" not in response.get_data(as_text=True), url
    assert client.get("/tags/free-speech").status_code == 404  # no public piece has it any more


def test_an_interview_leaves_its_pages_too(client, make_piece, app, clock):
    interview = make_piece("A talk", kind=Interview, published_at=clock.now - timedelta(hours=1),
                           body_source="Ann Asker (AA): Why?\n\nBo Answer (BA): Because.")
    with app.app_context():
        stored = db.session.get(Piece, interview.id)
        services.publish(stored, db.session.get(User, stored.author_id), None,
                         clock.now + timedelta(minutes=30))
    assert client.get("/interviews/a-talk").status_code == 200
    assert "A talk" in client.get("/interviews").get_data(as_text=True)
    clock.move(minutes=31)
    assert client.get("/interviews/a-talk").status_code == 404
    assert "A talk" not in client.get("/interviews").get_data(as_text=True)


def test_the_page_cache_never_serves_a_piece_past_its_end_date(app, client, ending, clock):
    ending("Cached until noon", hours=2)
    first = client.get("/articles/cached-until-noon")
    etag = first.headers["ETag"]
    assert client.get("/articles/cached-until-noon", headers={"If-None-Match": etag}).status_code == 304
    clock.move(hours=1, minutes=59, seconds=59)  # a second before: still served from the cache
    assert client.get("/articles/cached-until-noon", headers={"If-None-Match": etag}).status_code == 304
    clock.move(seconds=1)
    gone = client.get("/articles/cached-until-noon", headers={"If-None-Match": etag})
    assert gone.status_code == 404
    assert "Cached until noon" not in client.get("/").get_data(as_text=True)


def test_a_stored_page_expires_no_later_than_the_next_end_date(app, client, ending, clock):
    import time

    from cms.extensions import cache

    ending("Brief", hours=0.01)  # 36 seconds, less than CMS_PAGE_CACHE_SECONDS
    client.get("/")
    backend = cache.cache
    stored = [key for key in backend._cache if ":page:" in key]  # SimpleCache: (expiry, value)
    assert stored
    for key in stored:
        expires, _ = backend._cache[key]
        assert expires - time.time() <= 37  # not 300 seconds


def test_a_scheduled_piece_appears_on_cached_lists_when_due(client, make_piece, clock):
    make_piece("Already out")
    make_piece("Embargoed", published_at=clock.now + timedelta(minutes=10))
    assert "Embargoed" not in client.get("/").get_data(as_text=True)
    assert "Embargoed" not in client.get("/").get_data(as_text=True)
    clock.move(minutes=10)
    assert "Embargoed" in client.get("/").get_data(as_text=True)


# --- Search ----------------------------------------------------------------------------------


def test_search_finds_the_piece_until_its_end_date(client, ending, clock):
    ending("Zanzibar notes", body_source="Notes from the archipelago.")
    assert "Zanzibar notes" in client.get("/search?q=archipelago").get_data(as_text=True)
    clock.move(hours=2)
    page = client.get("/search?q=archipelago").get_data(as_text=True)
    assert "Zanzibar notes" not in page


def test_the_index_and_the_database_agree_on_the_end_date(app, ending, make_piece, clock):
    from cms.search import services as search

    ending("Leaving", topics=["Islands"], body_source="islands")
    make_piece("Staying", body_source="islands")
    with app.app_context():
        assert search.search("islands", {}).total == 2
        clock.move(hours=1)  # exactly the end date: gone from both
        results = search.search("islands", {})
        assert [hit.title for hit in results.hits] == ["Staying"] and results.total == 1
        assert {v.key for v in results.facets["tag"]} == set()  # counted by the index as well


def test_an_index_built_before_end_dates_takes_them(app, ending, make_piece, clock):
    from cms.search import services as search
    from cms.search.backend import get_backend
    from cms.search.documents import all_documents

    make_piece("Older", body_source="lagoon")
    with app.app_context():
        backend = get_backend()
        current = backend.schema
        backend.schema = current.copy()
        backend.schema.remove("until")
        backend.rebuild(all_documents(db.session))
        backend.schema = current
        assert search.search("lagoon", {}).total == 1  # no end dates in it yet: none ended
    ending("Newer", body_source="lagoon")  # its commit adds the field
    with app.app_context():
        assert search.search("lagoon", {}).total == 2
        clock.move(hours=2)
        assert search.search("lagoon", {}).total == 1


# --- The desk --------------------------------------------------------------------------------


@pytest.mark.config(CMS_TIMEZONE="Asia/Baku")  # UTC+4: typed times are the site's
def test_the_desk_sets_an_end_date_and_the_status_box_says_it(app, client, auth, make_user,
                                                             make_piece, clock):
    writer = make_user("writer")
    piece = make_piece("Dated", author=writer, status=PieceStatus.DRAFT)
    auth.login(writer)
    response = client.post(f"/desk/{piece.id}/publish",
                           data={"publish_at": "2999-01-01T09:30", "unpublish_at": "2999-02-01T18:00"})
    assert response.status_code == 302
    assert _stored(app, piece).unpublish_at == datetime(2999, 2, 1, 14, 0)
    page = client.get(f"/desk/{piece.id}/edit").get_data(as_text=True)
    assert "Status: scheduled" in page
    assert "Scheduled for <time" in page and ">1 January 2999, 09:30</time>" in page
    assert "Leaves the site on <time" in page and ">1 February 2999, 18:00</time>" in page
    assert 'name="unpublish_at" type="datetime-local" value="2999-02-01T18:00"' in page


def test_the_desk_refuses_an_end_date_before_publication_with_the_form_back(client, auth, make_user,
                                                                             make_piece, app):
    writer = make_user("writer")
    piece = make_piece("Planned", author=writer, status=PieceStatus.DRAFT)
    auth.login(writer)
    refused = client.post(f"/desk/{piece.id}/publish",
                          data={"publish_at": "2999-01-01T09:30", "unpublish_at": "2998-12-31T09:30"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "The end date must come after the publication date." in page
    assert 'value="2999-01-01T09:30"' in page and 'value="2998-12-31T09:30"' in page
    assert _stored(app, piece).status == PieceStatus.DRAFT
    unreadable = client.post(f"/desk/{piece.id}/publish", data={"unpublish_at": "next week"})
    assert unreadable.status_code == 400
    assert "Give the end date as a date and a time, or leave it empty." in unreadable.get_data(as_text=True)


def test_an_end_date_in_the_past_is_refused_unpublish_instead(client, auth, make_user, make_piece, app):
    writer = make_user("writer")
    piece = make_piece("Live", author=writer)
    auth.login(writer)
    refused = client.post(f"/desk/{piece.id}/publish", data={"unpublish_at": "2020-01-01T00:00"})
    assert refused.status_code == 400
    assert "The end date has passed: unpublish the piece instead." in refused.get_data(as_text=True)
    assert _stored(app, piece).unpublish_at is None


def test_the_desk_shows_an_ended_piece_as_ended(client, auth, make_user, make_piece, app, clock):
    writer = make_user("writer")
    piece = make_piece("Ends soon", author=writer, published_at=clock.now - timedelta(days=1))
    auth.login(writer)
    page = client.get(f"/desk/{piece.id}/edit").get_data(as_text=True)
    assert "Status: published" in page and "Published on <time" in page
    assert "Leaves the site" not in page
    end = clock.now + timedelta(hours=1)
    client.post(f"/desk/{piece.id}/publish", data={"unpublish_at": end.strftime("%Y-%m-%dT%H:%M")})
    assert "Leaves the site on" in client.get(f"/desk/{piece.id}/edit").get_data(as_text=True)
    clock.move(hours=2)
    page = client.get(f"/desk/{piece.id}/edit").get_data(as_text=True)
    assert "Status: ended" in page and "Left the site on <time" in page and "Published on <time" in page
    assert "Publish again" in page and 'name="unpublish_at" type="datetime-local" value=""' in page
    assert "ended on" in client.get("/desk/").get_data(as_text=True)
    assert _stored(app, piece).status == PieceStatus.PUBLISHED
    client.post(f"/desk/{piece.id}/publish", data={})  # publishing again: back, with no end date
    assert client.get("/articles/ends-soon").status_code == 200


def test_the_interview_desk_has_the_end_date_too(client, auth, make_user, make_piece, clock):
    writer = make_user("writer")
    interview = make_piece("A talk", kind=Interview, author=writer,
                           body_source="Ann Asker (AA): Why?\n\nBo Answer (BA): Because.")
    auth.login(writer)
    end = clock.now + timedelta(days=3)
    client.post(f"/desk/{interview.id}/publish", data={"unpublish_at": end.strftime("%Y-%m-%dT%H:%M")})
    page = client.get(f"/desk/interviews/{interview.id}/edit").get_data(as_text=True)
    assert 'name="unpublish_at"' in page and "Leaves the site on <time" in page
