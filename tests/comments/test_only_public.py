"""Only public things are public: every answer is the one it would be if unpublished pieces
did not exist, for readers and for staff who may not edit those pieces."""

from __future__ import annotations

import pytest

from cms.articles import services as pieces
from cms.articles.models import Piece, PieceStatus
from cms.comments.models import Comment, CommentStatus
from cms.extensions import db


@pytest.fixture
def unpublished_with_comment(app, make_piece, send_comment, comments_of):
    """A piece that had a pending comment and was then unpublished; and a draft."""
    piece = make_piece("Withdrawn exposé")
    send_comment(piece, "Written while it was public")
    [comment] = comments_of(piece.id)
    with app.app_context():
        stored = db.session.get(Piece, piece.id)
        pieces.unpublish(stored, stored.author)
    draft = make_piece("Secret draft title", status=PieceStatus.DRAFT)
    return piece, comment, draft


def test_a_moderator_learns_nothing_of_unpublished_pieces(app, client, auth, make_user,
                                                          unpublished_with_comment):
    piece, comment, draft = unpublished_with_comment
    auth.login(make_user("moderator"))
    for piece_id in (piece.id, draft.id):
        filtered = client.get(f"/moderation/comments?piece={piece_id}")
        assert filtered.status_code == 404
        assert "Withdrawn" not in filtered.get_data(as_text=True)
        assert "Secret draft" not in filtered.get_data(as_text=True)
        toggled = client.post(f"/moderation/pieces/{piece_id}/comments", data={"open": "0"})
        assert toggled.status_code == 404
    queue = client.get("/moderation/comments").get_data(as_text=True)
    assert "Withdrawn" not in queue and "Written while it was public" not in queue
    assert 'aria-current="page">Pending (0)</a>' in queue  # not counted either
    assert client.get(f"/moderation/comments/{comment.id}").status_code == 404
    client.post("/moderation/comments", data={"ids": str(comment.id), "action": "approve"})
    client.post(f"/moderation/comments/{comment.id}", data={"action": "approve"})
    with app.app_context():
        assert db.session.get(Comment, comment.id).status == CommentStatus.PENDING
        assert db.session.get(Piece, draft.id).comments_open


def test_editors_still_moderate_the_comments_of_unpublished_pieces(client, auth, make_user,
                                                                  unpublished_with_comment):
    piece, comment, _draft = unpublished_with_comment
    auth.login(make_user("editor"))
    assert "Withdrawn exposé" in client.get(f"/moderation/comments?piece={piece.id}").get_data(as_text=True)
    assert client.get(f"/moderation/comments/{comment.id}").status_code == 200
