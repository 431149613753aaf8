"""What readers see of approved comments: a link to each one that lands on its page, and the count."""

from __future__ import annotations

import re

import pytest

from cms.accounts.models import User
from cms.articles.models import Piece
from cms.comments import services
from cms.extensions import db


@pytest.fixture
def approved(app, make_user):
    """approved(piece, body, reply_to=None) -> the id of a new comment, approved by a moderator."""
    moderator = make_user("moderator")

    def make(piece, body, reply_to=None):
        with app.app_context():
            comment = services.post_comment(db.session.get(Piece, piece.id), "Reader", "", body,
                                            reply_to)
            services.moderate(db.session.get(User, moderator.id), [comment.id], "approve")
            return comment.id

    return make


def permalink(page, comment_id):
    """The href of the link in a comment's meta line, or None."""
    found = re.search(rf'<li id="comment-{comment_id}">\s*<article class="comment">\s*'
                      rf'<p class="meta">.*?<a class="permalink" href="([^"]+)"', page, re.S)
    return found.group(1) if found else None


def test_each_approved_comment_links_to_itself_from_its_time(client, make_piece, approved):
    piece = make_piece("Linked")
    first = approved(piece, "First thought")
    reply = approved(piece, "A reply", first)
    page = client.get("/articles/linked").get_data(as_text=True)
    assert permalink(page, first) == f"/articles/linked#comment-{first}"
    assert permalink(page, reply) == f"/articles/linked#comment-{reply}"
    assert re.search(rf'<a class="permalink" href="/articles/linked#comment-{first}" '
                     r'title="Link to this comment"><time datetime="[^"]+">[^<]+</time></a>', page)


@pytest.mark.config(CMS_COMMENTS_PER_PAGE=2)
def test_a_comment_on_a_later_page_links_to_that_page(client, make_piece, approved):
    piece = make_piece("Long thread")
    ids = [approved(piece, f"Comment {n}") for n in range(3)]
    reply = approved(piece, "Late reply to the first", ids[0])  # stays with its thread: page 1
    first_page = client.get("/articles/long-thread").get_data(as_text=True)
    assert permalink(first_page, ids[0]) == f"/articles/long-thread#comment-{ids[0]}"
    assert permalink(first_page, reply) == f"/articles/long-thread#comment-{reply}"
    assert f'id="comment-{ids[2]}"' not in first_page
    link = f"/articles/long-thread?comments=2#comment-{ids[2]}"
    second_page = client.get(link.split("#")[0]).get_data(as_text=True)
    assert permalink(second_page, ids[2]) == link
    assert f'<li id="comment-{ids[2]}">' in second_page  # the link lands on the comment


@pytest.mark.parametrize("approved_count, heading", [
    (0, "No comments yet"), (1, "1 comment"), (2, "2 comments")])
def test_the_heading_counts_approved_comments_in_words(
    app, client, make_piece, approved, approved_count, heading
):
    piece = make_piece("Counted")
    for n in range(approved_count):
        approved(piece, f"Comment {n}")
    with app.app_context():  # a pending comment is not counted
        services.post_comment(db.session.get(Piece, piece.id), "Reader", "", "Still pending")
    page = client.get("/articles/counted").get_data(as_text=True)
    assert f'<h2 id="comments-heading">{heading}</h2>' in page
