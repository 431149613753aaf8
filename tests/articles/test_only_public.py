"""Only public things are public: every answer is the one it would be if unpublished pieces
did not exist, for readers and for staff who may not edit those pieces."""

from __future__ import annotations

from cms.articles.models import PieceStatus


def test_a_tag_only_unpublished_pieces_carry_has_no_page(app, client, make_piece):
    make_piece("Hidden", status=PieceStatus.DRAFT, topics=["Leaked plans"])
    make_piece("Later", published_at=None, status=PieceStatus.DRAFT, countries=["Atlantis"])
    assert client.get("/tags/leaked-plans").status_code == 404
    assert client.get("/tags/atlantis").status_code == 404
    make_piece("Out now", topics=["Leaked plans"])
    assert "Out now" in client.get("/tags/leaked-plans").get_data(as_text=True)


def test_a_slug_taken_by_a_draft_answers_like_a_free_one(client, auth, make_user, make_piece):
    make_piece("Someone's draft", slug="exclusive", status=PieceStatus.DRAFT)
    writer = make_user("writer")
    auth.login(writer)
    response = client.post("/desk/new", data={"title": "Mine", "slug": "exclusive", "language": "en"})
    assert response.status_code == 302  # saved: no error naming the draft's address
    edit = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'value="exclusive-2"' in edit and "already used" not in edit
