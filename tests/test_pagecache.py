"""The response cache for anonymous readers: shared, revalidated, never stale after a change."""

import gzip

import pytest

from cms.articles.models import PieceStatus


def test_anonymous_pages_carry_an_etag_and_answer_304(client, make_piece):
    make_piece("Cached")
    first = client.get("/articles/cached")
    assert first.headers["Cache-Control"] == "public, no-cache"
    etag = first.headers["ETag"]
    again = client.get("/articles/cached", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""


def test_publishing_shows_at_once_to_the_next_reader(app, client, make_user, make_piece):
    writer = make_user("writer")
    make_piece("Old news", author=writer)
    assert "Old news" in client.get("/").get_data(as_text=True)
    etag = client.get("/").headers["ETag"]
    make_piece("Breaking", author=writer)
    fresh = client.get("/", headers={"If-None-Match": etag})
    assert fresh.status_code == 200
    assert "Breaking" in fresh.get_data(as_text=True)


def test_unpublishing_removes_the_page_from_the_cache(app, client, make_user, make_piece):
    from cms.articles import services
    from cms.articles.models import Piece
    from cms.extensions import db

    piece = make_piece("Soon gone")
    assert client.get("/articles/soon-gone").status_code == 200
    with app.app_context():
        stored = db.session.get(Piece, piece.id)
        services.unpublish(stored, stored.author)
        assert stored.status == PieceStatus.UNPUBLISHED
    assert client.get("/articles/soon-gone").status_code == 404


def test_a_second_reader_is_served_from_the_cache_without_queries(app, client, make_piece):
    from sqlalchemy import event

    from cms.extensions import db

    make_piece("Popular")
    client.get("/articles/popular")
    statements = []
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", lambda *a, **k: statements.append(a[2]))
    second = app.test_client().get("/articles/popular")
    assert second.status_code == 200 and "Popular" in second.get_data(as_text=True)
    assert statements == []


def test_pages_are_gzip_compressed_for_clients_that_accept_it(client, make_piece):
    make_piece("Squeezed", body_source="Words " * 400)
    plain = client.get("/articles/squeezed")
    squeezed = client.get("/articles/squeezed", headers={"Accept-Encoding": "gzip"})
    squeezed_again = client.get("/articles/squeezed", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in plain.headers
    assert squeezed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(squeezed.get_data()) == plain.get_data()
    assert squeezed_again.get_data() == squeezed.get_data()
    assert "Accept-Encoding" in squeezed.headers["Vary"]


def test_logged_in_users_bypass_the_cache(client, auth, make_user, make_piece):
    writer = make_user("writer")
    make_piece("Mine", author=writer)
    client.get("/")
    auth.login(writer)
    page = client.get("/")
    assert "Log out" in page.get_data(as_text=True)
    assert page.headers.get("Cache-Control") != "public, no-cache"


@pytest.mark.config(CMS_PAGE_CACHE_SECONDS=0)
def test_the_cache_can_be_switched_off(client, make_piece):
    make_piece("Uncached")
    assert "ETag" not in client.get("/").headers


@pytest.mark.config(CMS_REDIS_URL="redis://127.0.0.1:6379/0")
def test_with_redis_every_worker_shares_the_cache_and_its_generation(app, make_piece):
    from cms import pagecache

    make_piece("Shared")
    reader = app.test_client()
    assert "Shared" in reader.get("/").get_data(as_text=True)
    with app.app_context():
        before = pagecache.current_generation()
    make_piece("Newer")
    with app.app_context():
        assert int(pagecache.current_generation()) > int(before)
    assert "Newer" in app.test_client().get("/").get_data(as_text=True)


@pytest.mark.parametrize("spelling", ["GZIP", "Gzip, deflate", "br;q=1.0, GZip;q=0.5", "*"])
def test_a_gzip_body_is_never_given_to_a_reader_who_did_not_ask_for_it(client, make_piece, spelling):
    """Whatever spelling filled the cache, a reader without gzip gets plain HTML."""
    make_piece("Variants", body_source="Words. " * 200)
    first = client.get("/articles/variants", headers={"Accept-Encoding": spelling})
    assert first.headers["Content-Encoding"] == "gzip"  # HTTP's names are case-insensitive
    for header in ({}, {"Accept-Encoding": "identity"}, {"Accept-Encoding": "gzip;q=0"}):
        plain = client.get("/articles/variants", headers=header)
        assert "Content-Encoding" not in plain.headers
        assert plain.get_data(as_text=True).startswith("<!doctype html>")


def test_a_plain_body_cached_first_is_not_taken_for_gzip(client, make_piece):
    make_piece("Plain first", body_source="Words. " * 200)
    plain = client.get("/articles/plain-first")
    assert "Content-Encoding" not in plain.headers
    squeezed = client.get("/articles/plain-first", headers={"Accept-Encoding": "gzip"})
    assert squeezed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(squeezed.get_data()) == plain.get_data()


def test_each_scheme_and_host_has_its_own_cached_copy(client, make_piece):
    make_piece("Hosts")
    client.get("/articles/hosts", base_url="https://one.example")
    key_parts = []
    from cms.extensions import cache

    with client.application.app_context():
        for key in cache.cache._cache:  # SimpleCache: the keys stored so far
            key_parts.append(key)
    assert any(":identity:https:one.example:/articles/hosts" in key for key in key_parts)
    other = client.get("/articles/hosts", base_url="http://two.example")
    assert other.status_code == 200
    with client.application.app_context():
        assert any(":identity:http:two.example:/articles/hosts" in key for key in cache.cache._cache)
