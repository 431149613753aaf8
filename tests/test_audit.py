"""The audit log: each consequential action writes one event in the commit of its change, with
who, what and on what as they were then; /desk/audit shows them to editors and admins."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func, select, update

from cms import audit
from cms.accounts import services as accounts
from cms.accounts.models import User
from cms.articles import services as pieces
from cms.articles import trash
from cms.articles.models import Piece, PieceStatus
from cms.audit import AuditAction, AuditEvent
from cms.campaigns import services as campaigns
from cms.campaigns.models import Campaign
from cms.comments import services as comments
from cms.database import utcnow
from cms.extensions import db
from cms.permissions import PermissionDenied
from tests.conftest import csrf_token


def _user(user):
    return db.session.get(User, user.id)


def _piece(piece):
    return db.session.get(Piece, piece.id)


def _last_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.max(AuditEvent.id))) or 0


def _since(app, mark: int) -> list[AuditEvent]:
    """The events written after `mark`, the oldest first, detached."""
    with app.app_context():
        found = list(db.session.scalars(select(AuditEvent).where(AuditEvent.id > mark)
                                        .order_by(AuditEvent.id)))
        db.session.expunge_all()
        return found


def _one(app, mark: int) -> AuditEvent:
    found = _since(app, mark)
    assert len(found) == 1, [(e.action, e.subject) for e in found]
    return found[0]


# --- The services ---------------------------------------------------------------------------


@pytest.mark.parametrize("action", [AuditAction.PUBLISH, AuditAction.UNPUBLISH,
                                    AuditAction.TRASH, AuditAction.RESTORE])
def test_each_piece_action_writes_one_event_with_who_and_the_title_then(
    app, make_user, make_piece, action
):
    editor = make_user("editor", name="Edna Editor")
    piece = make_piece("Before the vote", status=PieceStatus.DRAFT)
    with app.app_context():
        if action in {AuditAction.UNPUBLISH, AuditAction.TRASH, AuditAction.RESTORE}:
            pieces.publish(_piece(piece), _user(editor))
        if action == AuditAction.RESTORE:
            trash.trash_piece(_piece(piece), _user(editor))
    mark = _last_id(app)
    with app.app_context():
        do = {AuditAction.PUBLISH: pieces.publish, AuditAction.UNPUBLISH: pieces.unpublish,
              AuditAction.TRASH: trash.trash_piece, AuditAction.RESTORE: trash.restore_piece}
        do[action](_piece(piece), _user(editor))
    event = _one(app, mark)
    assert (event.action, event.actor_id, event.actor_name) == (action, editor.id, "Edna Editor")
    assert (event.piece_id, event.subject, event.detail) == (piece.id, "Before the vote", "")
    assert event.at > utcnow() - timedelta(minutes=1)


def test_a_scheduled_publish_says_for_when(app, make_user, make_piece):
    editor = make_user("editor")
    piece = make_piece(status=PieceStatus.DRAFT)
    mark = _last_id(app)
    with app.app_context():
        pieces.publish(_piece(piece), _user(editor), at=utcnow().replace(microsecond=0)
                       .replace(year=utcnow().year + 1, month=1, day=2, hour=9, minute=30))
    assert re.fullmatch(r"scheduled for \d{4}-01-02 09:30 UTC", _one(app, mark).detail)
    mark = _last_id(app)
    with app.app_context():
        start = utcnow().replace(year=utcnow().year + 1, month=1, day=2, hour=9, minute=30)
        pieces.publish(_piece(piece), _user(editor), at=start, until=start + timedelta(days=30))
    assert re.fullmatch(r"scheduled for \d{4}-01-02 09:30 UTC until \d{4}-02-01 09:30 UTC",
                        _one(app, mark).detail)


def test_the_purge_names_no_account_and_the_event_outlives_the_piece(
    app, runner, make_user, make_piece
):
    writer = make_user("writer")
    piece = make_piece("Old news", author=writer)
    with app.app_context():
        trash.trash_piece(_piece(piece), _user(writer))
        db.session.execute(update(Piece).where(Piece.id == piece.id)
                           .values(trashed_at=utcnow() - timedelta(days=40)))
        db.session.commit()
    mark = _last_id(app)
    assert runner.invoke(args=["trash", "purge"]).exit_code == 0
    event = _one(app, mark)
    assert (event.action, event.actor_id, event.actor_name) == (AuditAction.PURGE, None, "the purge")
    assert (event.piece_id, event.subject) == (piece.id, "Old news")
    assert event.detail.startswith("in the trash since ")
    with app.app_context():
        assert _piece(piece) is None
        trashed = db.session.scalars(audit.events(piece=piece.id)).all()
        assert [e.action for e in trashed] == [AuditAction.PURGE, AuditAction.TRASH,
                                               AuditAction.PUBLISH]


def test_a_refused_action_records_nothing(app, make_user, make_piece):
    writer, other = make_user("writer"), make_user("writer")
    piece = make_piece(author=other)
    mark = _last_id(app)
    with app.app_context():
        with pytest.raises(PermissionDenied):
            pieces.unpublish(_piece(piece), _user(writer))
        with pytest.raises(PermissionDenied):
            trash.trash_piece(_piece(piece), _user(writer))
        with pytest.raises(pieces.PieceError):  # not in the trash
            trash.restore_piece(_piece(piece), _user(make_user("editor")))
        with pytest.raises(PermissionDenied):
            campaigns.save_campaign(_user(writer), campaigns.CampaignData(title="Mine"))
        with pytest.raises(campaigns.CampaignError):
            campaigns.save_campaign(_user(make_user("admin")), campaigns.CampaignData(title=" "))
        with pytest.raises(PermissionDenied):
            comments.set_blocked_words(_user(make_user("editor")), "casino")
        db.session.rollback()
    made = {AuditAction.USER_CREATE}  # the accounts made above, from "the command line"
    assert {e.action for e in _since(app, mark)} <= made


def test_the_event_commits_with_the_change_and_not_without_it(app, make_user, make_piece):
    editor = make_user("editor")
    piece = make_piece("Held back")
    mark = _last_id(app)

    def refuse(_session):
        raise RuntimeError("the database went away")

    with app.app_context():
        sa_event.listen(db.session, "before_commit", refuse)
        try:
            with pytest.raises(RuntimeError):
                pieces.unpublish(_piece(piece), _user(editor))
        finally:
            sa_event.remove(db.session, "before_commit", refuse)
        db.session.rollback()
        assert _piece(piece).status == PieceStatus.PUBLISHED
    assert _since(app, mark) == []
    with app.app_context():
        pieces.unpublish(_piece(piece), _user(editor))
        assert _piece(piece).status == PieceStatus.UNPUBLISHED
    assert _one(app, mark).action == AuditAction.UNPUBLISH


def test_campaign_changes_name_the_fields_and_an_unchanged_save_records_nothing(app, make_user):
    editor = make_user("editor", name="Edna Editor")
    mark = _last_id(app)
    with app.app_context():
        made = campaigns.save_campaign(_user(editor), campaigns.CampaignData(title="Clean air"))
        campaign_id = made.id
    created = _one(app, mark)
    assert (created.action, created.subject, created.actor_name) == (
        AuditAction.CAMPAIGN_CREATE, "Clean air", "Edna Editor")
    mark = _last_id(app)
    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        data = campaigns.CampaignData(title="Clean air now", description="Why it matters.")
        campaigns.save_campaign(_user(editor), data, campaign)
    edited = _one(app, mark)
    assert (edited.action, edited.subject) == (AuditAction.CAMPAIGN_EDIT, "Clean air now")
    assert edited.detail == "changed: title, description"
    mark = _last_id(app)
    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        campaigns.save_campaign(_user(editor), data, campaign)
    assert _since(app, mark) == []


def test_blocked_words_are_counted_never_written(app, make_user):
    admin = make_user("admin", name="Ada Admin")
    with app.app_context():
        comments.set_blocked_words(_user(admin), "casino\nlottery")
    mark = _last_id(app)
    with app.app_context():
        comments.set_blocked_words(_user(admin), "casino\nviagra\ncheap pills")
    event = _one(app, mark)
    assert (event.action, event.actor_name, event.piece_id) == (AuditAction.BLOCKED_WORDS, "Ada Admin", None)
    assert event.detail == "3 entries: 2 added, 1 removed"
    for word in ("casino", "viagra", "cheap pills", "lottery"):
        assert word not in f"{event.subject} {event.detail}"


def test_no_comment_text_and_no_address_reach_the_log(app, runner, make_user, make_piece):
    editor = make_user("editor")
    piece = make_piece("Talked about")
    with app.app_context():
        comment = comments.post_comment(_piece(piece), "Reader Rosa", "rosa@example.org",
                                        "A very particular sentence.")
        comments.moderate(_user(editor), [comment.id], "approve")
        trash.trash_piece(_piece(piece), _user(editor))
        trash.restore_piece(_piece(piece), _user(editor))
        pieces.unpublish(_piece(piece), _user(editor))
        stored = " ".join(f"{e.actor_name} {e.subject} {e.detail}"
                          for e in db.session.scalars(select(AuditEvent)))
    for secret in ("particular sentence", "Reader Rosa", "rosa@example.org", "127.0.0.1"):
        assert secret not in stored
    assert not {"ip", "address", "email", "body", "text"} & set(AuditEvent.__table__.columns.keys())


def test_account_changes_by_an_admin_and_from_the_command_line(app, client, auth, runner, make_user):
    admin = make_user("admin", name="Ada Admin")
    writer = make_user("writer", name="Wren Writer")
    auth.login(admin)
    token = csrf_token(client.get("/desk/users").get_data(as_text=True))
    mark = _last_id(app)
    client.post("/desk/users/new", data={"display_name": "New Person", "email": "new@example.org",
                                         "role": "writer", "csrf_token": token})
    client.post(f"/desk/users/{writer.id}/role", data={"role": "editor", "csrf_token": token})
    client.post(f"/desk/users/{writer.id}/disable", data={"csrf_token": token})
    client.post(f"/desk/users/{writer.id}/enable", data={"csrf_token": token})
    found = [(e.action, e.actor_id, e.actor_name, e.subject, e.detail) for e in _since(app, mark)]
    assert found == [
        (AuditAction.USER_CREATE, admin.id, "Ada Admin", "New Person", "as writer"),
        (AuditAction.USER_ROLE, admin.id, "Ada Admin", "Wren Writer", "writer → editor"),
        (AuditAction.USER_DISABLE, admin.id, "Ada Admin", "Wren Writer", ""),
        (AuditAction.USER_ENABLE, admin.id, "Ada Admin", "Wren Writer", ""),
    ]
    mark = _last_id(app)
    assert runner.invoke(args=["users", "set-role", writer.email, "writer"]).exit_code == 0
    assert runner.invoke(args=["users", "set-role", writer.email, "writer"]).exit_code == 0  # no change
    event = _one(app, mark)
    assert (event.action, event.actor_id, event.actor_name, event.detail) == (
        AuditAction.USER_ROLE, None, "the command line", "editor → writer")


def test_names_are_kept_as_they_were(app, make_user, make_piece):
    editor = make_user("editor", name="Old Name")
    piece = make_piece("First title", status=PieceStatus.DRAFT)
    with app.app_context():
        pieces.publish(_piece(piece), _user(editor))
        accounts.change_profile(_user(editor), "New Name", editor.email, "")
        pieces.update_piece(_piece(piece), _user(editor), pieces.PieceData(title="Second title"))
        found = db.session.scalars(audit.events(person=editor.id)).all()
        assert [(e.actor_name, e.subject) for e in found] == [("Old Name", "First title")]


# --- The page ----------------------------------------------------------------------------------


def test_editors_and_admins_see_the_log_writers_and_moderators_do_not(
    app, client, auth, make_user, make_piece
):
    make_piece("On the record")
    for role, status in (("writer", 403), ("moderator", 403), ("editor", 200), ("admin", 200)):
        auth.login(make_user(role))
        response = client.get("/desk/audit")
        assert response.status_code == status, role
        if status == 200:
            html = response.get_data(as_text=True)
            assert "<h1>Audit log</h1>" in html and "On the record" in html
            assert 'href="/desk/audit"' in client.get("/desk/").get_data(as_text=True)
        else:
            assert 'href="/desk/audit"' not in client.get("/desk/").get_data(as_text=True)
        auth.logout()
    assert client.get("/desk/audit").status_code == 302


def test_the_log_filters_by_person_and_by_piece(app, client, auth, make_user, make_piece):
    ann, bob = make_user("editor", name="Ann Editor"), make_user("editor", name="Bob Editor")
    one, two = make_piece("One", status=PieceStatus.DRAFT), make_piece("Two", status=PieceStatus.DRAFT)
    with app.app_context():
        pieces.publish(_piece(one), _user(ann))
        pieces.publish(_piece(two), _user(bob))
        pieces.unpublish(_piece(two), _user(ann))
    auth.login(ann)
    html = client.get("/desk/audit").get_data(as_text=True)
    assert f'<option value="{ann.id}">Ann Editor</option>' in html
    assert f'<option value="{bob.id}">Bob Editor</option>' in html
    assert f'href="/desk/audit?piece={two.id}"' in html  # each row's piece is a filter
    edit_page = client.get(f"/desk/{one.id}/edit").get_data(as_text=True)
    assert f'href="/desk/audit?piece={one.id}"' in edit_page  # the status box links its log

    def rows(query):
        page = client.get(f"/desk/audit?{query}").get_data(as_text=True)
        body = page.split("<tbody>")[1].split("</tbody>")[0]
        return re.findall(r'data-label="What">([^<]+)</td>\s*'
                          r'<td data-label="On"[^>]*><a [^>]+>([^<]+)</a>', body)

    assert rows(f"person={ann.id}") == [("Unpublished", "Two"), ("Published", "One")]
    assert rows(f"piece={two.id}") == [("Unpublished", "Two"), ("Published", "Two")]
    assert rows(f"person={bob.id}&piece={two.id}") == [("Published", "Two")]
    assert rows(f"person={bob.id}&piece={one.id}") == []
    page = client.get(f"/desk/audit?piece={two.id}").get_data(as_text=True)
    assert "Only events about “Two”" in page
    assert f'<input type="hidden" name="piece" value="{two.id}">' in page  # the person form keeps it
    for odd in ("person=x", "piece=-1", "person=99999999999", "page=0", "page=abc"):
        assert client.get(f"/desk/audit?{odd}").status_code == 200


def test_the_log_is_paged_fifty_at_a_time_and_the_pager_keeps_the_filters(
    app, client, auth, make_user, make_piece
):
    editor = make_user("editor", name="Pat Pager")
    piece = make_piece("Busy", status=PieceStatus.DRAFT)
    with app.app_context():
        for _ in range(audit.PER_PAGE + 5):
            audit.record(_user(editor), AuditAction.PUBLISH, piece=_piece(piece))
        db.session.commit()
    auth.login(editor)
    first = client.get(f"/desk/audit?person={editor.id}&piece={piece.id}").get_data(as_text=True)
    assert first.count('data-label="What"') == audit.PER_PAGE
    assert "Page 1 of 2" in first
    older = re.search(r'<a rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    assert f"person={editor.id}" in older and f"piece={piece.id}" in older and "page=2" in older
    second = client.get(older).get_data(as_text=True)
    assert second.count('data-label="What"') == 5 and "Page 2 of 2" in second
    newer = re.search(r'<a rel="prev" href="([^"]+)"', second).group(1).replace("&amp;", "&")
    assert f"person={editor.id}" in newer and f"piece={piece.id}" in newer
