"""Limits per client, in memory and in Redis, keyed by a daily HMAC of the address."""

from __future__ import annotations

import logging
import re
import secrets
import time
from dataclasses import dataclass

import pytest

from cms import ratelimit
from cms.comments.models import CommentStatus
from tests.comments.conftest import old_token

REDIS_URL = "redis://127.0.0.1:6379/0"
# A key of its own per run, so that runs sharing the Redis server never share counters.
RUN_SECRET = secrets.token_hex(16)


def redis_available() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping())
    except redis.RedisError:
        return False


REFUSED = "{limit} Try again in {wait}. Your comment is kept below: please send it again."
PER_MINUTE = "Many comments have come from your network in the last minute."
PER_DAY = "Too many comments have come from your network today."
PER_PIECE = "This piece has received many comments in the last minute."


@dataclass
class Clock:
    now: float


@pytest.fixture
def moving_clock(monkeypatch) -> Clock:
    """time.time() stands still, one second into a minute, until the test moves it: no window
    ends halfway through a test."""
    clock = Clock(float(int(time.time()) // 60 * 60 + 1))
    monkeypatch.setattr("cms.ratelimit.time.time", lambda: clock.now)
    return clock


def post_until_limited(send_comment, piece, count):
    return [send_comment(piece, f"Comment number {n}").status_code for n in range(count)]


def send_from(app, piece, address, body, **data):
    """The form sent from another client (another address)."""
    return app.test_client().post(f"/comments/{piece.id}", environ_base={"REMOTE_ADDR": address},
                                  data={"name": "Someone", "body": body,
                                        "form_token": old_token(app, piece.id), **data})


@pytest.mark.config(CMS_COMMENT_RATE_PER_MINUTE=5)
def test_a_sixth_comment_in_a_minute_comes_back_in_the_form_with_429_and_retry_after(
    client, make_piece, send_comment, comments_of, moving_clock
):
    piece = make_piece("Busy")
    assert post_until_limited(send_comment, piece, 5) == [200] * 5
    response = send_comment(piece, "One more\nthought", name="Ana", email="ana@example.org")
    page = response.get_data(as_text=True)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "59"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert f'<p class="error" role="alert">{REFUSED.format(limit=PER_MINUTE, wait="1 minute")}</p>' in page
    assert ">\r\nOne more\nthought</textarea>" in page
    assert 'value="Ana"' in page and 'value="ana@example.org"' in page
    assert re.search(r'name="form_token" type="hidden" value="[^"]+"', page)  # ready to send again
    assert len(comments_of(piece.id)) == 5
    moving_clock.now += 60
    assert send_comment(piece, "One more\nthought", name="Ana").status_code == 200


@pytest.mark.config(CMS_COMMENT_RATE_PER_MINUTE=100, CMS_COMMENT_RATE_PER_DAY=3)
def test_the_daily_limit_is_a_setting_too(client, make_piece, send_comment, moving_clock):
    moving_clock.now = moving_clock.now // 86400 * 86400 + 5 * 3600 + 1  # 05:00:01 UTC
    piece = make_piece("Daily")
    assert post_until_limited(send_comment, piece, 4) == [200, 200, 200, 429]
    response = send_comment(piece, "Tomorrow, then")
    assert response.status_code == 429 and response.headers["Retry-After"] == str(19 * 3600 - 1)
    page = response.get_data(as_text=True)
    assert REFUSED.format(limit=PER_DAY, wait="about 19 hours") in page
    assert ">\r\nTomorrow, then</textarea>" in response.get_data(as_text=True)


@pytest.mark.config(CMS_COMMENT_RATE_PER_MINUTE=2)
def test_another_client_has_its_own_count(app, client, make_piece, send_comment, moving_clock):
    piece = make_piece("Two clients")
    assert post_until_limited(send_comment, piece, 3) == [200, 200, 429]
    assert send_from(app, piece, "192.0.2.7", "From elsewhere").status_code == 200


@pytest.mark.config(CMS_COMMENT_PIECE_RATE_PER_MINUTE=3, CMS_COMMENT_RATE_PER_MINUTE=100)
def test_a_piece_takes_a_limited_number_of_comments_a_minute_from_everyone(
    app, make_piece, comments_of, moving_clock
):
    piece, other = make_piece("Flooded"), make_piece("Calm")
    statuses = [send_from(app, piece, f"192.0.2.{n}", f"Comment {n}").status_code
                for n in range(1, 5)]
    assert statuses == [200, 200, 200, 429]
    refused = send_from(app, piece, "192.0.2.9", "Still mine", name="Bo")
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "59"
    assert REFUSED.format(limit=PER_PIECE, wait="1 minute") in refused.get_data(as_text=True)
    assert ">\r\nStill mine</textarea>" in refused.get_data(as_text=True)
    assert send_from(app, other, "192.0.2.9", "On another piece").status_code == 200
    moving_clock.now += 60
    assert send_from(app, piece, "192.0.2.9", "Still mine").status_code == 200
    assert len(comments_of(piece.id)) == 4 and len(comments_of(other.id)) == 1


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


@pytest.mark.parametrize("store", ["database", "redis"])
def test_a_claim_holds_its_key_whatever_the_expiry_until_it_ends_or_is_released(
    app, store, moving_clock
):
    if store == "redis":
        if not redis_available():
            pytest.skip("no Redis on 127.0.0.1:6379")
        counter = ratelimit.RedisCounter(REDIS_URL)
    else:
        counter = ratelimit.DatabaseCounter()
    key = f"test:{secrets.token_hex(8)}"
    now = int(moving_clock.now)
    with app.app_context():
        assert counter.claim(key, now + 600)
        assert not counter.claim(key, now + 601)  # a later claim of the same words, a second on
        counter.release(key)
        assert counter.claim(key, now + 10)
        if store == "database":  # Redis keeps its own time
            moving_clock.now += 10
            assert counter.claim(key, now + 30)
        counter.release(key)


@pytest.mark.skipif(not redis_available(), reason="no Redis on 127.0.0.1:6379")
@pytest.mark.config(CMS_REDIS_URL=REDIS_URL, SECRET_KEY=RUN_SECRET)
def test_with_redis_the_same_reader_twice_is_refused_too(client, make_piece, send_comment,
                                                         comments_of):
    piece = make_piece("Redis twice")
    assert send_comment(piece, "Once in Redis").status_code == 200
    again = send_comment(piece, "Once in Redis")
    assert again.status_code == 400
    assert "You sent this comment a moment ago; it is waiting for a moderator." in again.get_data(
        as_text=True)
    assert len(comments_of(piece.id)) == 1


@pytest.mark.config(CMS_REDIS_URL="redis://127.0.0.1:1/0")
def test_a_broken_redis_does_not_stop_readers_commenting(
    client, make_piece, send_comment, comments_of, caplog
):
    caplog.set_level(logging.WARNING)
    piece = make_piece("Down")
    assert send_comment(piece, "Still heard").status_code == 200
    assert send_comment(piece, "Still heard").status_code == 200  # no store to tell a duplicate
    messages = [record.getMessage() for record in caplog.records]
    assert "comment rate limit: the counter store failed" in messages
    assert "comment duplicates: the counter store failed" in messages
    assert [c.status for c in comments_of(piece.id)] == [CommentStatus.PENDING] * 2


@pytest.mark.config(CMS_COMMENT_PIECE_RATE_PER_MINUTE=3, CMS_COMMENT_RATE_PER_MINUTE=2)
def test_refused_requests_and_a_client_over_its_limit_do_not_use_up_a_pieces_limit(
    app, make_piece, comments_of, moving_clock
):
    """One address sending empty or token-less forms, or more than its own share, cannot close a
    piece to everyone."""
    piece = make_piece("Not closed by one")
    flood = app.test_client()
    for n in range(40):
        empty = flood.post(f"/comments/{piece.id}", data={"name": "", "body": ""},
                           environ_base={"REMOTE_ADDR": "203.0.113.7"})
        assert empty.status_code == 400, n
    mine = [send_from(app, piece, "203.0.113.7", f"Mine {n}").status_code for n in range(6)]
    assert mine == [200, 200, 429, 429, 429, 429]
    assert send_from(app, piece, "198.51.100.2", "A reader elsewhere").status_code == 200
    assert len(comments_of(piece.id)) == 3


@pytest.mark.config(CMS_COMMENT_RATE_PER_MINUTE=1, CMS_COMMENT_MIN_SECONDS=3)
def test_a_form_refused_by_the_limit_keeps_the_time_its_reader_got_it(
    app, client, make_piece, send_comment, comments_of, moving_clock
):
    """Sent again at once after the wait, it is not held as "too fast"."""
    piece = make_piece("Sent again")
    assert send_comment(piece, "The first").status_code == 200
    refused = send_comment(piece, "The second, refused", token=old_token(app, piece.id, age=120))
    assert refused.status_code == 429
    token = re.search(r'name="form_token" type="hidden" value="([^"]+)"',
                      refused.get_data(as_text=True)).group(1)
    moving_clock.now += 60
    assert send_comment(piece, "The second, refused", token=token).status_code == 200
    second = comments_of(piece.id)[1]
    assert (second.status, second.held_reason) == (CommentStatus.PENDING, "")


@pytest.mark.config(CMS_COMMENT_MIN_SECONDS=3)
def test_an_expired_form_of_ours_comes_back_ready_but_a_forged_one_starts_the_clock(
    app, client, make_piece, send_comment, comments_of
):
    from cms.comments import tokens

    piece = make_piece("Expired")
    expired = old_token(app, piece.id, age=app.config["CMS_COMMENT_FORM_MAX_AGE"] + 60)
    for sent, held in ((expired, ""), ("forged", "too fast")):
        page = send_comment(piece, f"After {sent[:6]}", token=sent).get_data(as_text=True)
        token = re.search(r'name="form_token" type="hidden" value="([^"]+)"', page).group(1)
        assert send_comment(piece, f"After {sent[:6]}", token=token).status_code == 200
        with app.app_context():
            assert tokens.read_token(token, piece.id).served_at <= tokens.clock() - (3 if not held else 0)
        assert comments_of(piece.id)[-1].held_reason == held
