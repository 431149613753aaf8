"""Rules for pieces, called through the services."""

from datetime import timedelta

import pytest

from cms.accounts.models import Role, User
from cms.articles import services, trash
from cms.articles.models import Piece, PieceStatus
from cms.database import utcnow
from cms.extensions import db
from cms.permissions import Action, can


def _user(user):
    return db.session.get(User, user.id)


def _piece(piece):
    return db.session.get(Piece, piece.id)


def test_a_writer_cannot_edit_another_writers_piece(app, make_user, make_piece):
    author, other = make_user(Role.WRITER), make_user(Role.WRITER)
    piece = make_piece("Mine", author=author, status=PieceStatus.DRAFT)
    with app.app_context():
        with pytest.raises(services.PermissionDenied):
            services.update_piece(_piece(piece), _user(other), services.PieceData(title="Stolen"))
        for action in (services.publish, services.unpublish, trash.trash_piece):
            with pytest.raises(services.PermissionDenied):
                action(_piece(piece), _user(other))
        assert _piece(piece).title == "Mine"
        assert _piece(piece).status == PieceStatus.DRAFT


def test_editors_and_admins_edit_every_piece_moderators_none(app, make_user, make_piece):
    piece = make_piece("Someone's", status=PieceStatus.DRAFT)
    with app.app_context():
        for role in (Role.EDITOR, Role.ADMIN):
            services.update_piece(_piece(piece), _user(make_user(role)),
                                  services.PieceData(title=f"Edited by {role}"))
        assert _piece(piece).title == "Edited by admin"
        moderator = _user(make_user(Role.MODERATOR))
        assert not can(moderator, Action.EDIT_PIECE, _piece(piece))
        with pytest.raises(services.PermissionDenied):
            services.create_piece(moderator, services.PieceData(title="No"))


def test_a_scheduled_piece_is_hidden_until_due(app, make_piece):
    soon = make_piece("Later", published_at=utcnow() + timedelta(hours=2))
    with app.app_context():
        piece = _piece(soon)
        assert piece.status == PieceStatus.PUBLISHED and piece.is_scheduled
        assert services.public_piece("later", type(piece)) is None
        assert db.session.scalars(services.public_pieces()).all() == []
        due = db.session.scalars(services.public_pieces(now=utcnow() + timedelta(hours=3))).all()
        assert [p.slug for p in due] == ["later"]


def test_drafts_and_unpublished_pieces_are_not_public(app, make_piece):
    make_piece("Draft", status=PieceStatus.DRAFT)
    make_piece("Gone", status=PieceStatus.UNPUBLISHED)
    make_piece("Live")
    with app.app_context():
        assert [p.slug for p in db.session.scalars(services.public_pieces())] == ["live"]


def test_slugs_transliterate_and_stay_unique(app, make_piece):
    first = make_piece("Свобода слова в сети")
    second = make_piece("Свобода слова в сети")
    azeri = make_piece("Əliyev Bakıda danışdı")
    assert first.slug == "svoboda-slova-v-seti"
    assert second.slug == "svoboda-slova-v-seti-2"
    assert azeri.slug == "aliyev-bakida-danisdi"


@pytest.mark.parametrize("status", [PieceStatus.DRAFT, PieceStatus.PUBLISHED])
def test_a_taken_slug_given_by_hand_takes_the_next_free_one_naming_no_piece(
    app, make_user, make_piece, status
):
    """Whether another writer's draft or a public piece holds it, the answer is the same."""
    make_piece("First", slug="the-address", status=status)
    writer = make_user(Role.WRITER)
    with app.app_context():
        second = services.create_piece(_user(writer), services.PieceData(title="Second",
                                                                          slug="The address"))
        assert second.slug == "the-address-2"
        kept = services.update_piece(second, _user(writer),
                                     services.PieceData(title="Second", slug="the-address-2"))
        assert kept.slug == "the-address-2"  # its own address is not "taken"


def test_editing_keeps_the_slug_readers_linked_to(app, make_piece):
    piece = make_piece("Original title")
    with app.app_context():
        edited = services.update_piece(_piece(piece), _piece(piece).author,
                                       services.PieceData(title="A better title"))
        assert edited.slug == "original-title"


def test_body_html_is_rendered_once_at_save_with_footnotes(app, make_piece):
    piece = make_piece("Noted", body_source="Claim.[^1]\n\n[^1]: Source.\n")
    assert '<sup id="fnref:1"><a class="footnote-ref" href="#fn:1">1</a></sup>' in piece.body_html
    assert '<li id="fn:1">' in piece.body_html and "Source." in piece.body_html


def test_tags_are_shared_by_name_and_kind(app, make_piece):
    one = make_piece("One", topics=["Censorship"], countries=["Azerbaijan"])
    two = make_piece("Two", topics=["censorship ", "Privacy"])
    with app.app_context():
        assert [(t.kind, t.name) for t in _piece(one).tags] == [("country", "Azerbaijan"),
                                                               ("topic", "Censorship")]
        assert {t.slug for t in _piece(two).tags} == {"censorship", "privacy"}
        assert _piece(one).topics[0].id == _piece(two).topics[0].id


def test_unpublish_keeps_the_date_and_republishing_keeps_it(app, make_piece):
    piece = make_piece("Back again")
    with app.app_context():
        first_date = _piece(piece).published_at
        services.unpublish(_piece(piece), _piece(piece).author)
        services.publish(_piece(piece), _piece(piece).author)
        assert _piece(piece).published_at == first_date


def test_archive_months_count_only_public_pieces(app, make_piece):
    make_piece("March", published_at=utcnow().replace(year=2024, month=3, day=5))
    make_piece("March too", published_at=utcnow().replace(year=2024, month=3, day=9))
    make_piece("May", published_at=utcnow().replace(year=2025, month=5, day=1))
    make_piece("Draft", status=PieceStatus.DRAFT)
    with app.app_context():
        assert services.archive_months() == [(2025, 5, 1), (2024, 3, 2)]
        assert [p.slug for p in db.session.scalars(services.month_pieces(2024, 3))] == [
            "march-too", "march"]


def test_body_headings_start_at_h2_whatever_level_the_writer_began_with(app, make_piece):
    deep = make_piece("Deep", body_source="### Start\n\ntext\n\n#### Under\n\n### Next")
    top = make_piece("Top", body_source="# One\n\n## Two")
    assert "<h2>Start</h2>" in deep.body_html and "<h3>Under</h3>" in deep.body_html
    assert "<h2>Next</h2>" in deep.body_html
    assert "<h2>One</h2>" in top.body_html and "<h3>Two</h3>" in top.body_html
