"""Limits per client, in memory and in Redis, keyed by a daily HMAC of the address."""

from __future__ import annotations

import secrets

import pytest

from cms import ratelimit
from cms.comments.models import CommentStatus

REDIS_URL = "redis://127.0.0.1:6379/0"
# A key of its own per run, so that runs sharing the Redis server never share counters.
RUN_SECRET = secrets.token_hex(16)


def redis_available() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping())
    except redis.RedisError:
        return False


def post_until_limited(send_comment, piece, count):
    return [send_comment(piece, f"Comment number {n}").status_code for n in range(count)]


@pytest.mark.config(CMS_COMMENT_RATE_PER_MINUTE=5)
def test_a_sixth_comment_in_a_minute_gets_429_with_a_clear_page(
    client, make_piece, send_comment, comments_of
):
    piece = make_piece("Busy")
    assert post_until_limited(send_comment, piece, 6) == [200] * 5 + [429]
    response = send_comment(piece, "One more")
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "<h1>Too many requests</h1>" in page
    assert "You have posted too many comments in the last minute. Please wait a minute" in page
    assert len(comments_of(piece.id)) == 5


@pytest.mark.config(CMS_COMMENT_RATE_PER_MINUTE=100, CMS_COMMENT_RATE_PER_DAY=3)
def test_the_daily_limit_is_a_setting_too(client, make_piece, send_comment):
    piece = make_piece("Daily")
    assert post_until_limited(send_comment, piece, 4) == [200, 200, 200, 429]
    assert "too many comments today" in send_comment(piece, "x").get_data(as_text=True)


@pytest.mark.config(CMS_COMMENT_RATE_PER_MINUTE=2)
def test_another_client_has_its_own_count(client, make_piece, send_comment, app):
    piece = make_piece("Two clients")
    assert post_until_limited(send_comment, piece, 3) == [200, 200, 429]
    from tests.comments.conftest import old_token

    other = app.test_client().post(f"/comments/{piece.id}", environ_base={"REMOTE_ADDR": "192.0.2.7"},
                                   data={"name": "B", "body": "From elsewhere",
                                         "form_token": old_token(app, piece.id)})
    assert other.status_code == 200


@pytest.mark.skipif(not redis_available(), reason="no Redis on 127.0.0.1:6379")
@pytest.mark.config(CMS_REDIS_URL=REDIS_URL, SECRET_KEY=RUN_SECRET, CMS_COMMENT_RATE_PER_MINUTE=3)
def test_with_redis_the_count_is_shared_by_every_worker(
    app, client, make_piece, send_comment, comments_of
):
    import redis

    assert isinstance(app.extensions[ratelimit.EXTENSION], ratelimit.RedisCounter)
    piece = make_piece("Shared")
    assert post_until_limited(send_comment, piece, 2) == [200, 200]
    # A second app (another worker) on the same Redis sees the same count.
    from cms import create_app

    second = create_app({**app.config, "CMS_INSTANCE_PATH": app.instance_path})
    from tests.comments.conftest import old_token

    response = second.test_client().post(f"/comments/{piece.id}", data={
        "name": "W", "body": "Third from another worker", "form_token": old_token(app, piece.id)})
    assert response.status_code == 200
    with second.app_context():
        from cms.extensions import db

        db.engine.dispose()
    assert send_comment(piece, "Fourth").status_code == 429
    keys = redis.Redis.from_url(REDIS_URL).keys(f"{ratelimit.PREFIX}*")
    mine = [k.decode() for k in keys if k.decode().endswith(
        ratelimit.client_key("127.0.0.1", RUN_SECRET))]
    assert mine and all("127.0.0.1" not in k for k in mine)
    assert [c.status for c in comments_of(piece.id)] == [CommentStatus.PENDING] * 3


def test_the_key_is_an_hmac_that_changes_every_day_and_never_holds_the_address():
    monday = ratelimit.client_key("203.0.113.9", "secret", today="2026-11-30")
    assert monday == ratelimit.client_key("203.0.113.9", "secret", today="2026-11-30")
    assert monday != ratelimit.client_key("203.0.113.9", "secret", today="2026-12-01")
    assert monday != ratelimit.client_key("203.0.113.10", "secret", today="2026-11-30")
    assert monday != ratelimit.client_key("203.0.113.9", "other secret", today="2026-11-30")
    assert "203.0.113.9" not in monday and len(monday) == 64


@pytest.mark.config(CMS_REDIS_URL="redis://127.0.0.1:1/0")
def test_a_broken_redis_does_not_stop_readers_commenting(client, make_piece, send_comment):
    piece = make_piece("Down")
    assert send_comment(piece).status_code == 200
