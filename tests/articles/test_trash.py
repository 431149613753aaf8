"""Deleting a piece moves it to the trash: public nowhere, restorable by editors and admins
for CMS_TRASH_DAYS with its comments and history, then `flask trash purge` deletes it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from cms.accounts.models import User
from cms.articles import services, trash
from cms.articles.models import Piece, PieceStatus
from cms.comments import services as comments
from cms.comments.models import Comment, CommentStatus, ModerationEvent
from cms.database import utcnow
from cms.extensions import db
from cms.search.backend import SearchRequest, get_backend
from tests.conftest import csrf_token

PURGED = "purged: {} pieces from the trash\ndeleted: 0 images never saved with a piece\n"

def _user(user):
    return db.session.get(User, user.id)


def _piece(piece):
    return db.session.get(Piece, piece.id)


def _trash(app, piece, user, days_ago=0):
    """Move `piece` to the trash as `user`, `days_ago` days ago."""
    with app.app_context():
        trash.trash_piece(_piece(piece), _user(user))
        if days_ago:
            db.session.execute(update(Piece).where(Piece.id == piece.id)
                               .values(trashed_at=utcnow() - timedelta(days=days_ago)))
            db.session.commit()


def _comment_with_history(app, piece, moderator):
    """An approved comment on `piece` (one moderation event); its id."""
    with app.app_context():
        comment = comments.post_comment(_piece(piece), "Reader", "reader@example.org", "Well said.")
        comments.moderate(_user(moderator), [comment.id], "approve")
        return comment.id


def test_deleting_moves_the_piece_to_the_trash_with_who_and_when(app, make_user, make_piece):
    writer = make_user("writer")
    piece = make_piece("Second thoughts", author=writer)
    _trash(app, piece, writer)
    with app.app_context():
        stored = _piece(piece)
        assert stored is not None and stored.trashed_at is not None
        assert stored.trashed_by_id == writer.id
        assert stored.trashed_at > utcnow() - timedelta(minutes=1)
        assert stored.status == PieceStatus.PUBLISHED  # the state it had is kept for a restore
        assert stored not in db.session.scalars(services.desk_pieces(_user(writer))).all()
        assert db.session.scalars(trash.trashed_pieces(_user(writer))).all() == [stored]


def test_only_who_may_edit_a_piece_may_trash_it(app, make_user, make_piece):
    piece = make_piece("Not yours")
    with app.app_context():
        for role in ("writer", "moderator"):
            with pytest.raises(services.PermissionDenied):
                trash.trash_piece(_piece(piece), _user(make_user(role)))
        assert _piece(piece).trashed_at is None


@pytest.mark.config(CMS_PAGE_CACHE_SECONDS=300)
def test_a_trashed_piece_is_public_nowhere(app, client, make_user, make_piece, make_campaign):
    campaign = make_campaign("Rights")
    writer = make_user("writer")
    piece = make_piece("Ospreys return", author=writer, campaign_id=campaign.id,
                       topics=["Birds"], body_source="Ospreys nest here.")
    month = piece.published_at.strftime("/archive/%Y/%m").replace("/0", "/")
    pages = ["/", "/feed.atom", f"/campaigns/{campaign.slug}", f"/campaigns/{campaign.slug}/feed.atom",
             "/tags/birds", month]
    for page in pages:  # and now in the page cache
        assert "Ospreys return" in client.get(page).get_data(as_text=True), page
    assert f'href="{month}"' in client.get("/archive").get_data(as_text=True)
    assert client.get("/articles/ospreys-return").status_code == 200
    assert "Ospreys return" in client.get("/search?q=ospreys").get_data(as_text=True)

    _trash(app, piece, writer)

    assert client.get("/articles/ospreys-return").status_code == 404
    for page in pages:
        assert "Ospreys return" not in client.get(page).get_data(as_text=True), page
    assert f'href="{month}"' not in client.get("/archive").get_data(as_text=True)
    assert "Ospreys return" not in client.get("/search?q=ospreys").get_data(as_text=True)
    with app.app_context():
        assert piece.id not in get_backend().document_ids()
        found = get_backend().search(SearchRequest(text="ospreys", filters={}, now=utcnow()))
        assert found.hits == []
        assert not _piece(piece).is_public()
        assert db.session.scalar(select(Piece).where(Piece.public_filter())) is None


def test_a_trashed_piece_is_not_editable_until_restored(app, client, auth, make_user, make_piece):
    writer = make_user("writer")
    piece = make_piece("Hands off", author=writer)
    _trash(app, piece, writer)
    auth.login(writer)
    assert client.get(f"/desk/{piece.id}/edit").status_code == 404
    assert client.post(f"/desk/{piece.id}/publish", data={"publish_at": ""}).status_code == 404
    assert client.post(f"/desk/{piece.id}/delete").status_code == 404
    with app.app_context():
        with pytest.raises(services.PermissionDenied):
            services.update_piece(_piece(piece), _user(writer), services.PieceData(title="Back"))


def test_comments_and_their_history_stay_with_a_trashed_piece(app, make_user, make_piece):
    writer, moderator = make_user("writer"), make_user("moderator")
    piece = make_piece("Discussed", author=writer)
    comment_id = _comment_with_history(app, piece, moderator)
    _trash(app, piece, writer)
    with app.app_context():
        assert db.session.get(Comment, comment_id).status == CommentStatus.APPROVED
        assert db.session.scalar(select(func.count(ModerationEvent.id))
                                 .where(ModerationEvent.comment_id == comment_id)) == 1
        # The moderation queue answers as if the piece did not exist, until it is restored.
        editor = _user(make_user("editor"))
        queue = comments.queue(editor, CommentStatus.APPROVED)
        assert db.session.scalars(queue).all() == []
        trash.restore_piece(_piece(piece), editor)
        assert [c.id for c in db.session.scalars(comments.queue(editor, CommentStatus.APPROVED))] \
            == [comment_id]


def test_restore_brings_the_piece_back_as_it_was(app, client, make_user, make_piece):
    writer, editor = make_user("writer"), make_user("editor")
    published = make_piece("Back again", author=writer)
    draft = make_piece("Still a draft", author=writer, status=PieceStatus.DRAFT)
    with app.app_context():
        before = {p.id: (p.status, p.published_at, p.updated_at, p.slug)
                  for p in (_piece(published), _piece(draft))}
    for piece in (published, draft):
        _trash(app, piece, writer)
    assert client.get("/articles/back-again").status_code == 404
    with app.app_context():
        for piece in (published, draft):
            restored = trash.restore_piece(_piece(piece), _user(editor))
            assert (restored.status, restored.published_at, restored.updated_at,
                    restored.slug) == before[piece.id]
            assert restored.trashed_at is None and restored.trashed_by_id is None
    assert client.get("/articles/back-again").status_code == 200
    assert client.get("/articles/still-a-draft").status_code == 404


def test_only_editors_and_admins_restore(app, client, auth, make_user, make_piece):
    writer = make_user("writer")
    piece = make_piece("Mine to lose", author=writer)
    _trash(app, piece, writer)
    with app.app_context():
        with pytest.raises(services.PermissionDenied):
            trash.restore_piece(_piece(piece), _user(writer))
    auth.login(writer)
    listing = client.get("/desk/trash").get_data(as_text=True)
    assert "Mine to lose" in listing and "Ask an editor to restore one." in listing
    assert "Restore" not in listing
    assert client.post(f"/desk/{piece.id}/restore").status_code == 403
    auth.logout()
    for role in ("editor", "admin"):
        auth.login(make_user(role))
        listing = client.get("/desk/trash").get_data(as_text=True)
        assert "Mine to lose" in listing and ">Restore<" in listing
        assert writer.display_name in listing  # who moved it there
        response = client.post(f"/desk/{piece.id}/restore")
        assert response.headers["Location"] == f"/desk/{piece.id}/edit"
        assert client.get("/articles/mine-to-lose").status_code == 200
        auth.logout()
        _trash(app, piece, writer)


def test_a_writer_sees_only_their_own_trash(app, client, auth, make_user, make_piece):
    writer, other = make_user("writer"), make_user("writer")
    mine, theirs = make_piece("My mistake", author=writer), make_piece("Their mistake", author=other)
    _trash(app, mine, writer)
    _trash(app, theirs, other)
    auth.login(writer)
    trash = client.get("/desk/trash").get_data(as_text=True)
    assert "My mistake" in trash and "Their mistake" not in trash
    desk = client.get("/desk/").get_data(as_text=True)
    assert "My mistake" not in desk and 'href="/desk/trash"' in desk


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_restore_after_the_trash_days_is_refused_with_a_reason(app, client, auth, make_user,
                                                                make_piece):
    writer, editor = make_user("writer"), make_user("editor")
    piece = make_piece("Too late", author=writer)
    _trash(app, piece, writer, days_ago=31)
    with app.app_context():
        with pytest.raises(services.PieceError) as refused:
            trash.restore_piece(_piece(piece), _user(editor))
        assert refused.value.message == ("“Too late” has been in the trash for more than 30 days: "
                                         "it can no longer be restored, and the next purge deletes it.")
    auth.login(editor)
    token = csrf_token(client.get("/desk/trash").get_data(as_text=True))
    response = client.post(f"/desk/{piece.id}/restore", data={"csrf_token": token},
                           follow_redirects=True)
    assert "it can no longer be restored" in response.get_data(as_text=True)
    with app.app_context():
        assert _piece(piece).trashed_at is not None


def test_purge_deletes_only_what_is_old_with_its_comments(app, runner, make_user, make_piece):
    writer, moderator = make_user("writer"), make_user("moderator")
    old = make_piece("Old news", author=writer, topics=["Archive"])
    recent = make_piece("Recent regret", author=writer)
    kept = make_piece("Kept on the site", author=writer)
    old_comment = _comment_with_history(app, old, moderator)
    recent_comment = _comment_with_history(app, recent, moderator)
    _trash(app, old, writer, days_ago=31)
    _trash(app, recent, writer, days_ago=29)
    result = runner.invoke(args=["trash", "purge"])
    assert result.exit_code == 0
    assert result.output == PURGED.format(1)
    with app.app_context():
        assert _piece(old) is None and _piece(recent) is not None and _piece(kept) is not None
        assert db.session.get(Comment, old_comment) is None
        assert db.session.scalar(select(func.count(ModerationEvent.id))
                                 .where(ModerationEvent.comment_id == old_comment)) == 0
        assert db.session.get(Comment, recent_comment) is not None
    assert runner.invoke(args=["trash", "purge"]).output == PURGED.format(0)


@pytest.mark.config(CMS_TRASH_DAYS=7)
def test_the_trash_keeps_pieces_cms_trash_days(app, runner, make_user, make_piece):
    writer = make_user("writer")
    piece = make_piece("A week", author=writer)
    _trash(app, piece, writer, days_ago=8)
    assert runner.invoke(args=["trash", "purge"]).output == PURGED.format(1)


def test_a_trashed_piece_keeps_its_slug_until_purged(app, make_user, make_piece):
    writer = make_user("writer")
    piece = make_piece("Taken address", author=writer)
    _trash(app, piece, writer)
    by_title = make_piece("Taken address", author=writer)
    by_slug = make_piece("Another", author=writer, slug="taken-address")
    assert piece.slug == "taken-address"
    assert by_title.slug == "taken-address-2" and by_slug.slug == "taken-address-3"
    with app.app_context():
        trash.restore_piece(_piece(piece), _user(make_user("editor")))
        assert _piece(piece).slug == "taken-address"
        trash.trash_piece(_piece(piece), _user(writer))
        assert trash.purge_trash(utcnow() + timedelta(days=31)) == 1
    assert make_piece("Taken address", author=writer).slug == "taken-address"


def test_the_delete_page_says_where_the_piece_goes(client, auth, make_user, make_piece):
    writer = make_user("writer")
    piece = make_piece("Doomed", author=writer)
    auth.login(writer)
    page = client.get(f"/desk/{piece.id}/delete").get_data(as_text=True)
    assert "The article moves to the trash" in page
    assert "can restore it from the trash for 30 days" in page
    assert "Move to the trash" in page
