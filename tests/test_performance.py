"""What keeps pages cheap: constant SQL per page, a cache that is never stale, light pages."""

import re

import pytest
from sqlalchemy import event, select

from cms.comments.models import Comment, CommentStatus
from cms.extensions import db

WORDS = "rights freedom press defender journalist court prison access internet campaign".split()


def add_comments(app, piece_id, count, replies_every=7):
    """`count` approved comments of about sixty words; every seventh answers the one before."""
    with app.app_context():
        previous = None
        for number in range(count):
            text = " ".join(WORDS[(number + k) % len(WORDS)] for k in range(60))
            comment = Comment(piece_id=piece_id, author_name=f"Reader {number}", body=text,
                              body_html=f"<p>{text}</p>", status=CommentStatus.APPROVED,
                              parent_id=previous if number % replies_every == replies_every - 1 else None)
            db.session.add(comment)
            db.session.flush()
            previous = comment.id
        db.session.commit()


def count_queries(app, client, url):
    statements = []
    with app.app_context():
        engine = db.engine

    def record(*args):
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", record)
    try:
        response = client.get(url)
        assert response.status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return len(statements)


@pytest.mark.config(CMS_PAGE_CACHE_SECONDS=0)
def test_the_article_page_runs_as_many_queries_with_200_comments_as_with_one(app, client, make_piece):
    one, many = make_piece("One comment"), make_piece("Two hundred comments")
    add_comments(app, one.id, 1)
    add_comments(app, many.id, 200)
    assert "200 comments" in client.get("/articles/two-hundred-comments").get_data(as_text=True)
    few_queries = count_queries(app, client, "/articles/one-comment")
    many_queries = count_queries(app, client, "/articles/two-hundred-comments")
    assert few_queries == many_queries
    assert many_queries <= 6


def test_a_moderators_approval_is_visible_to_the_next_anonymous_reader(app, make_piece, make_user):
    piece = make_piece("Cached piece")
    with app.app_context():
        pending = Comment(piece_id=piece.id, author_name="Reader", body="Waiting for a moderator",
                          body_html="<p>Waiting for a moderator</p>", status=CommentStatus.PENDING)
        db.session.add(pending)
        db.session.commit()
        pending_id = pending.id
    reader = app.test_client()
    first = reader.get("/articles/cached-piece")
    assert "Waiting for a moderator" not in first.get_data(as_text=True)
    assert reader.get("/articles/cached-piece", headers={"If-None-Match": first.headers["ETag"]}
                      ).status_code == 304  # served from the cache, unchanged

    moderator = app.test_client()
    moderator.post("/login", data={"email": make_user("moderator").email,
                                   "password": "correct horse battery staple"})
    assert moderator.post("/moderation/comments", data={"ids": str(pending_id), "action": "approve"}
                          ).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Comment.status).where(Comment.id == pending_id)) == "approved"

    after = app.test_client().get("/articles/cached-piece",
                                  headers={"If-None-Match": first.headers["ETag"]})
    assert after.status_code == 200
    assert "Waiting for a moderator" in after.get_data(as_text=True)


def test_an_article_page_with_its_stylesheet_weighs_under_40_kb(app, client, make_piece):
    body = "\n\n".join(" ".join(WORDS[(p + k) % len(WORDS)] for k in range(150)) for p in range(10))
    make_piece("A long read", body_source=body + "[^1]\n\n[^1]: A note.", topics=["Press"])
    add_comments(app, db_id(app, "a-long-read"), 200)
    html = client.get("/articles/a-long-read").get_data()
    with client.get("/static/style.css") as css:
        weight = len(html) + len(css.get_data())
    assert len(body.split()) == 1500
    assert weight < 40 * 1024, weight  # with 10 threads a page; 30 a page would weigh 48 KB


def db_id(app, slug):
    from cms.articles.models import Piece

    with app.app_context():
        return db.session.scalar(select(Piece.id).where(Piece.slug == slug))


def test_readers_pages_carry_no_desk_stylesheet(client, auth, make_user, make_piece):
    """static/desk.css (desk, moderation, admin screens) is only for people logged in."""
    make_piece("Light page")
    assert "desk.css" not in client.get("/articles/light-page").get_data(as_text=True)
    auth.login(make_user("writer"))
    page = client.get("/desk/").get_data(as_text=True)
    assert re.search(r'<link rel="stylesheet" href="/static/desk\.css\?v=[0-9a-f]{12}">', page)
