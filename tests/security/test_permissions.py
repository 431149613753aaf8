"""Every route x every role -> the expected status; every state change needs its token.

Roles: anonymous, the writer who owns the pieces, another writer, moderator, editor, admin.
A route added to the app without a row here fails `test_every_route_is_in_the_matrix`.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from werkzeug.security import generate_password_hash

from cms.accounts.models import Role, User
from cms.articles.models import Article, PieceStatus
from cms.articles.services import PieceData
from cms.campaigns.models import Campaign
from cms.comments.identity import new_withdraw_key, withdraw_hash
from cms.comments.models import Comment, CommentStatus
from cms.comments.tokens import make_token
from cms.database import utcnow
from cms.extensions import db
from cms.interviews import services as interviews

ROLES = ["anonymous", "owner", "other_writer", "moderator", "editor", "admin"]
PASSWORD_HASH = generate_password_hash("matrix password", method="pbkdf2:sha256:1000")

# Status per role, in the order of ROLES.
PUBLIC = (200,) * 6
LOGIN_PAGE = (200, 302, 302, 302, 302, 302)
WRITERS = (302, 200, 200, 403, 200, 200)  # any writer, editor or admin; anonymous to the login
OWNER = (302, 200, 403, 403, 200, 200)  # the piece's writer, editors and admins
# Anonymous POSTs carry no session, so no CSRF token: refused (400) before anything else.
OWNER_ACTS = (400, 302, 403, 403, 302, 302)
EDITORS = (302, 403, 403, 403, 200, 200)
MODERATORS = (302, 403, 403, 200, 200, 200)
MODERATORS_ACT = (400, 403, 403, 302, 302, 302)
ADMINS = (302, 403, 403, 403, 403, 200)
MISSING = (404,) * 6

# (method, path, form data, statuses). Paths use {a}rticle, {i}nterview, {c}ampaign slug and
# id, {comment}, {tag}. Form data for POSTs is valid unless the row is about refusal.
MATRIX = [
    ("GET", "/", None, PUBLIC),
    ("GET", "/archive", None, PUBLIC),
    ("GET", "/archive/{year}/{month}", None, PUBLIC),
    ("GET", "/articles/{a_slug}", None, PUBLIC),
    ("GET", "/articles/draft-piece", None, MISSING),
    ("GET", "/articles/trashed-piece", None, MISSING),
    ("GET", "/interviews", None, PUBLIC),
    ("GET", "/interviews/{i_slug}", None, PUBLIC),
    ("GET", "/campaigns/{c_slug}", None, PUBLIC),
    ("GET", "/campaigns/{c_slug}/feed.atom", None, PUBLIC),
    ("GET", "/feed.atom", None, PUBLIC),
    ("GET", "/tags/{tag}", None, PUBLIC),
    ("GET", "/contributors/{person}", None, PUBLIC),
    # The lists again in one language: /ru/... (the interface in Russian, Russian pieces only).
    ("GET", "/{lang}/", None, PUBLIC),
    ("GET", "/xx/", None, MISSING),
    ("GET", "/{lang}/archive", None, PUBLIC),
    ("GET", "/{lang}/archive/{year}/{month}", None, PUBLIC),
    ("GET", "/{lang}/interviews", None, PUBLIC),
    ("GET", "/{lang}/campaigns/{c_slug}", None, PUBLIC),
    ("GET", "/{lang}/campaigns/{c_slug}/feed.atom", None, PUBLIC),
    ("GET", "/{lang}/feed.atom", None, PUBLIC),
    ("GET", "/{lang}/tags/{tag}", None, PUBLIC),
    ("GET", "/{lang}/contributors/{person}", None, PUBLIC),
    ("GET", "/contributors/nobody-credited", None, MISSING),
    # The matrix builds no search index (see _no_search_indexing): the page says so, with 503.
    ("GET", "/search?q=rights", None, (503,) * 6),
    ("GET", "/{lang}/search?q=rights", None, (503,) * 6),
    ("GET", "/healthz", None, PUBLIC),
    ("GET", "/media/{missing}", None, MISSING),
    ("GET", "/static/favicon.svg", None, PUBLIC),
    ("GET", "/favicon.ico", None, PUBLIC),
    ("GET", "/apple-touch-icon.png", None, PUBLIC),
    ("GET", "/robots.txt", None, PUBLIC),
    ("GET", "/sitemap.xml", None, PUBLIC),
    ("GET", "/mirrors", None, PUBLIC),
    ("GET", "/mirrors.json", None, PUBLIC),
    ("GET", "/comments/{a_id}/write", None, PUBLIC),
    ("GET", "/comments/{a_id}/reply/{comment}", None, PUBLIC),
    ("POST", "/comments/{a_id}", "comment", PUBLIC),
    # The key is the reader's secret, the form's only credential (no session, no CSRF token).
    ("GET", "/comments/withdraw?key={withdraw}", None, PUBLIC),
    ("POST", "/comments/withdraw", {"key": "{withdraw}"}, PUBLIC),
    ("GET", "/login", None, LOGIN_PAGE),
    ("POST", "/login", "login", (400,) + (302,) * 5),
    # Two-factor sign-in. The code step checks its own signed token (none here: 400; a browser
    # with a session is sent home). Nobody in this world has set it up: turning it off or new
    # recovery codes send each logged-in role back to the set-up page, as does a set-up form
    # without its signed key.
    ("POST", "/login/two-factor", {"code": "000000"}, (400,) + (302,) * 5),
    ("GET", "/account/two-factor", None, (302,) + (200,) * 5),
    ("POST", "/account/two-factor", {"code": "000000"}, (400,) + (302,) * 5),
    ("POST", "/account/two-factor/disable", {"password": "matrix password"}, (400,) + (302,) * 5),
    ("POST", "/account/two-factor/recovery-codes", {"password": "matrix password"}, (400,) + (302,) * 5),
    ("POST", "/logout", {}, (400,) + (302,) * 5),
    ("GET", "/account", None, (302,) + (200,) * 5),
    ("POST", "/account/profile", {"display_name": "Matrix", "email": "changed@example.org",
                                  "password": "matrix password"}, (400,) + (302,) * 5),
    ("POST", "/account/password", {"current": "matrix password", "new": "a new matrix passphrase",
                                   "repeat": "a new matrix passphrase"}, (400,) + (302,) * 5),
    ("POST", "/account/sessions/end-others", {}, (400,) + (302,) * 5),
    ("GET", "/desk/", None, WRITERS),
    ("GET", "/desk/new", None, WRITERS),
    ("POST", "/desk/new", {"title": "Matrix piece", "language": "en"}, (400, 302, 302, 403, 302, 302)),
    ("GET", "/desk/{a_id}/edit", None, OWNER),
    ("POST", "/desk/{a_id}/edit", {"title": "Edited", "language": "en", "base_revision": "2"}, OWNER_ACTS),
    ("GET", "/desk/{a_id}/preview", None, OWNER),
    ("POST", "/desk/{a_id}/publish", {"publish_at": ""}, OWNER_ACTS),
    ("GET", "/desk/{a_id}/unpublish", None, OWNER),
    ("POST", "/desk/{a_id}/unpublish", {}, OWNER_ACTS),
    # Revisions: the article has a saved change waiting (revision 2 over the published 1).
    ("POST", "/desk/{a_id}/publish-changes", {}, OWNER_ACTS),
    ("GET", "/desk/{a_id}/revisions", None, OWNER),
    ("GET", "/desk/{a_id}/revisions/compare?from=1&to=2", None, OWNER),
    ("POST", "/desk/{a_id}/revisions/{rev}/restore", {}, OWNER_ACTS),
    # Any writer may translate a piece they can see (a public one): the draft is theirs.
    ("POST", "/desk/{a_id}/translate", {"language": "ru"}, (400, 302, 302, 403, 302, 302)),
    ("GET", "/desk/{a_id}/delete", None, OWNER),
    ("POST", "/desk/{a_id}/delete", {}, OWNER_ACTS),
    # A writer sees their own trashed pieces; only editors and admins restore.
    ("GET", "/desk/trash", None, WRITERS),
    ("GET", "/desk/{t_id}/edit", None, (302, 404, 404, 403, 404, 404)),
    ("POST", "/desk/{t_id}/restore", {}, (400, 403, 403, 403, 302, 302)),
    ("GET", "/desk/contributors/", None, EDITORS),
    ("GET", "/desk/contributors/{person_id}/edit", None, EDITORS),
    ("POST", "/desk/contributors/{person_id}/edit", {"name": "Matrix Writer", "bio": "A bio."},
     (400, 403, 403, 403, 302, 302)),
    ("GET", "/desk/campaigns/", None, EDITORS),
    ("GET", "/desk/campaigns/new", None, EDITORS),
    ("POST", "/desk/campaigns/new", {"title": "New campaign"}, (400, 403, 403, 403, 302, 302)),
    ("GET", "/desk/campaigns/{c_id}/edit", None, EDITORS),
    ("POST", "/desk/campaigns/{c_id}/edit", {"title": "Renamed"}, (400, 403, 403, 403, 302, 302)),
    # The audit log: editors and admins; its filters answer the same.
    ("GET", "/desk/audit", None, EDITORS),
    ("GET", "/desk/audit?person={u_id}&piece={a_id}&page=2", None, EDITORS),
    # The user admin screens, admins only ({u_id}: the other writer). Mail is off here: a new user's
    # link, and a reset link, are shown on the page (200).
    ("GET", "/desk/users", None, ADMINS),
    ("GET", "/desk/users/new", None, ADMINS),
    ("POST", "/desk/users/new", {"display_name": "Matrix Person", "email": "person@example.org",
                                 "role": "writer"}, (400, 403, 403, 403, 403, 200)),
    ("POST", "/desk/users/{u_id}/role", {"role": "editor"}, (400, 403, 403, 403, 403, 302)),
    ("POST", "/desk/users/{u_id}/disable", {}, (400, 403, 403, 403, 403, 302)),
    ("POST", "/desk/users/{u_id}/enable", {}, (400, 403, 403, 403, 403, 302)),
    ("POST", "/desk/users/{u_id}/reset-link", {}, (400, 403, 403, 403, 403, 200)),
    # Password reset: public, each form with its own signed token ({reset_form}, {reset_password_form});
    # {reset} is a link's token for the other writer.
    ("GET", "/reset", None, PUBLIC),
    ("POST", "/reset", {"email": "other_writer@example.org", "form_token": "{reset_form}"}, PUBLIC),
    ("GET", "/reset/{reset}", None, PUBLIC),
    ("POST", "/reset/{reset}", {"password": "a new matrix passphrase", "repeat": "a new matrix passphrase",
                                "form_token": "{reset_password_form}"}, (302,) * 6),
    ("GET", "/desk/interviews/new", None, WRITERS),
    ("POST", "/desk/interviews/new", "interview", (400, 302, 302, 403, 302, 302)),
    ("GET", "/desk/interviews/{i_id}/edit", None, OWNER),
    ("POST", "/desk/interviews/{i_id}/edit", "interview", OWNER_ACTS),
    ("GET", "/desk/interviews/{i_id}/participants", None, OWNER),
    ("POST", "/desk/interviews/{i_id}/participants", {}, OWNER_ACTS),
    ("GET", "/moderation", None, (302, 403, 403, 302, 302, 302)),
    ("GET", "/moderation/", None, (302, 403, 403, 302, 302, 302)),
    ("GET", "/moderation/comments", None, MODERATORS),
    ("POST", "/moderation/comments", {"ids": "{comment}", "action": "spam"}, MODERATORS_ACT),
    ("GET", "/moderation/comments/{comment}", None, MODERATORS),
    ("POST", "/moderation/comments/{comment}", {"action": "unapprove"}, MODERATORS_ACT),
    ("POST", "/moderation/comments/{comment}/edit",
     {"body": "Hello, edited.", "reason": "a typo"}, MODERATORS_ACT),
    ("POST", "/moderation/pieces/{a_id}/comments", {"open": ""}, MODERATORS_ACT),
    ("GET", "/moderation/blocked-words", None, ADMINS),
    ("POST", "/moderation/blocked-words", {"words": "casino"}, (400, 403, 403, 403, 403, 302)),
]


def _world(app):
    """Users of every role, a campaign, a published article and interview, an approved comment."""
    with app.app_context():
        users = {}
        for role, kind in [("owner", Role.WRITER), ("other_writer", Role.WRITER),
                           ("moderator", Role.MODERATOR), ("editor", Role.EDITOR),
                           ("admin", Role.ADMIN)]:
            users[role] = User(email=f"{role}@example.org", display_name=role, role=kind,
                               password_hash=PASSWORD_HASH)
            db.session.add(users[role])
        campaign = Campaign(slug="matrix-campaign", title="Matrix campaign")
        db.session.add(campaign)
        db.session.flush()
        when = utcnow() - timedelta(days=1)
        article = Article(slug="rights-article", title="Rights article",
                        body_source="Rights.", body_html="<p>Rights.</p>", author=users["owner"],
                        campaign=campaign, status=PieceStatus.PUBLISHED, published_at=when)
        draft = Article(slug="draft-piece", title="Draft", author=users["owner"])
        trashed = Article(slug="trashed-piece", title="Trashed", body_source="Gone.",
                          body_html="<p>Gone.</p>", author=users["owner"],
                          status=PieceStatus.PUBLISHED, published_at=when, trashed_at=utcnow(),
                          trashed_by=users["owner"])
        db.session.add_all([article, draft, trashed])
        db.session.commit()
        from cms.articles.credits import set_credits
        from cms.articles.services import update_piece

        for title in ("Rights article", "Rights article, corrected"):  # revisions 1 and 2
            update_piece(article, users["owner"], PieceData(title=title, body_source="Rights."))
        article.revision_number = 1  # readers see revision 1; 2 waits
        set_credits(article, "Matrix Writer")
        interview = interviews.create_interview(users["owner"], PieceData(
            title="Matrix interview", body_source="Intro.\n\nAnn Ask (AA): Question?\n\nBo Be (BB): Answer."))
        interview.status, interview.published_at = PieceStatus.PUBLISHED, when
        from cms.articles.services import get_or_create_tags

        article.tags = get_or_create_tags(["Rights"], "topic")
        withdraw = new_withdraw_key()
        comment = Comment(piece_id=article.id, author_name="Reader", body="Hello",
                          body_html="<p>Hello</p>", status=CommentStatus.APPROVED,
                          withdraw_hash=withdraw_hash(withdraw))
        db.session.add(comment)
        db.session.commit()
        return {
            "a_id": article.id, "a_slug": article.slug, "i_id": interview.id,
            "i_slug": interview.slug, "t_id": trashed.id, "c_id": campaign.id, "c_slug": campaign.slug,
            "comment": comment.id, "withdraw": withdraw, "tag": "rights", "rev": 1,
            "person": article.credits[0].contributor.slug, "person_id": article.credits[0].contributor_id,
            "year": when.year, "lang": "ru",
            "month": when.month,
            "emails": {role: user.email for role, user in users.items()},
            "missing": "no-such-file.png",
            **_account_keys(users["other_writer"]),
        }


def _account_keys(user):
    """The user admin and reset rows: a user's id, a reset link's token for them, each reset form's token."""
    from cms.accounts.reset import make_reset_token
    from cms.formtokens import make_token as make_form_token

    return {"u_id": user.id, "reset": make_reset_token(user), "reset_form": make_form_token("reset"),
            "reset_password_form": make_form_token("reset-password", user.id)}


def _client(app, world, role):
    client = app.test_client()
    if role != "anonymous":
        token = re.search(r'name="form_token" type="hidden" value="([^"]+)"',
                          client.get("/login").get_data(as_text=True)).group(1)
        response = client.post("/login", data={"email": world["emails"][role],
                                               "password": "matrix password", "form_token": token})
        assert response.status_code == 302
    return client


def _csrf(client) -> str | None:
    """The session's CSRF token, from the logout form every logged-in page carries."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/archive").get_data(as_text=True))
    return found.group(1) if found else None


def _form(app, kind, world, role, piece_id):
    if kind == "comment":
        with app.app_context():
            token = make_token(piece_id) if role == "anonymous" else ""
        return {"name": "Matrix reader", "body": f"A comment from {role}.", "form_token": token}
    if kind == "login":
        return {"email": world["emails"].get("owner"), "password": "matrix password"}
    if kind == "interview":
        return {"title": "Matrix interview", "language": "en", "base_revision": "1",
                "body_source": "Ann Ask (AA): Question?\n\nBo Be (BB): Answer."}
    return {key: str(value).format(**world) for key, value in kind.items()}


def _request(app, world, method, path, data, role, with_token=True):
    client = _client(app, world, role)
    url = path.format(**world)
    if method == "GET":
        response = client.get(url)
        response.close()  # static files stream from an open file
        return response
    form = _form(app, data, world, role, world["a_id"])
    token = _csrf(client) if role != "anonymous" else None
    if with_token and token:
        form["csrf_token"] = token
    if not with_token:
        form.pop("form_token", None)
    return client.post(url, data=form)


@pytest.fixture(autouse=True)
def _no_search_indexing(monkeypatch):
    """Permissions do not depend on the search index; indexing every world would triple the time."""
    monkeypatch.setattr("cms.search.services.update_index", lambda *args, **kwargs: True)


@pytest.mark.config(WTF_CSRF_ENABLED=True, CMS_COMMENT_MIN_SECONDS=0, CMS_PAGE_CACHE_SECONDS=0,
                    CMS_COMMENT_RATE_PER_MINUTE=1000)
@pytest.mark.parametrize("method,path,data,statuses", MATRIX, ids=[f"{m} {p}" for m, p, _, _ in MATRIX])
def test_route_by_role(app, method, path, data, statuses):
    """One world for a GET row; a fresh one per role for a state change, so roles do not interfere."""
    from tests.conftest import BACKEND, _truncate_all

    seen = {}
    for index, role in enumerate(ROLES):
        if method == "POST" or index == 0:
            if index:
                _truncate_all(app) if BACKEND == "postgres" else _empty(app)
            world = _world(app)
        seen[role] = _request(app, world, method, path, data, role).status_code
    assert seen == dict(zip(ROLES, statuses, strict=True))


def _empty(app):
    with app.app_context():
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()


def test_every_route_is_in_the_matrix(app):
    covered = {(method, re.sub(r"\{[a-z_]+\}", "X", path.split("?")[0])) for method, path, _, _ in MATRIX}
    missing = []
    for rule in app.url_map.iter_rules():
        pattern = re.sub(r"<[^>]+>", "X", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if (method, pattern) not in covered and not (rule.endpoint == "static"):
                missing.append(f"{method} {rule.rule}")
    assert missing == []


# POST addresses that are also pages (a form shown by GET): their GET is in the matrix above.
GET_TOO = {path for method, path, _, _ in MATRIX if method == "GET"}
# Not the withdraw form: its key is its token (without it the answer is 404; test_withdraw.py).
STATE_CHANGING = [(method, path, data, statuses) for method, path, data, statuses in MATRIX
                  if method == "POST" and path not in ("/login", "/comments/withdraw")]
# Roles allowed to make each change: the refusal must come from the token, not the role.
ALLOWED = {row[1]: ROLES[[s < 400 for s in row[3]].index(True, 1)] for row in STATE_CHANGING}


@pytest.mark.config(WTF_CSRF_ENABLED=True, CMS_COMMENT_MIN_SECONDS=0)
@pytest.mark.parametrize("method,path,data,statuses", STATE_CHANGING,
                         ids=[row[1] for row in STATE_CHANGING])
def test_state_changes_refuse_get_and_a_post_without_its_token(app, method, path, data, statuses):
    role = "anonymous" if path.startswith("/comments/") else ALLOWED[path]
    world = _world(app)
    refused = _request(app, world, method, path, data, role, with_token=False)
    assert refused.status_code == 400, refused.get_data(as_text=True)[:300]
    if path.startswith(("/logout", "/moderation/comments/")) or path in GET_TOO:
        return  # these addresses also answer GET, with a page that changes nothing
    assert app.test_client().get(path.format(**world)).status_code == 405
