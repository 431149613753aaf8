"""Translations: a story in several languages, each version its own piece; "Also in" and
hreflang for readers; outdated when the original publishes changes; `translations status`."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from cms.accounts.models import User
from cms.articles import services, translations
from cms.articles.models import Piece, PieceStatus
from cms.extensions import db
from cms.interviews.models import Interview
from tests.interviews.conftest import TRANSCRIPT

SHORT = "Intro.\n\nAnn Ask (AA): Question?\n\nBo Be (BB, interviewee): Answer."


def _get(model, obj):
    return db.session.get(model, obj.id)


def test_translating_an_interview_starts_a_draft_with_every_turn_and_speaker(app, make_piece, make_user):
    writer, translator = make_user("writer", name="Wren Writer"), make_user("writer", name="Tanya Translator")
    original = make_piece("Blocked twice", author=writer, kind=Interview, body_source=TRANSCRIPT,
                          bylines="Zooey Schock (interviewer)", topics=["Censorship"])
    with app.app_context():
        stored = _get(Piece, original)
        stored.participants[0].bio = "A lawyer."
        db.session.commit()
        draft = translations.translate(stored, _get(User, translator), "ru")
        assert (draft.kind, draft.status, draft.language, draft.slug) == ("interview", PieceStatus.DRAFT,
                                                                          "ru", "blocked-twice-ru")
        assert draft.original_id == stored.id and draft.source_revision == stored.revision_number
        assert draft.body_source == stored.body_source and draft.author_id == translator.id
        assert [(p.initials, p.role, p.bio) for p in draft.participants] == [
            (p.initials, p.role, p.bio) for p in stored.participants]
        assert [t.text_source for t in draft.turns] == [t.text_source for t in stored.turns]
        assert [(c.contributor.name, c.role.value) for c in draft.credits] == [
            ("Zooey Schock", "interviewer"), ("Tanya Translator", "translator")]
        assert [t.name for t in draft.topics] == ["Censorship"]
        assert [p.language for p in translations.group(draft)] == ["en", "ru"]
        with pytest.raises(services.PieceError, match="has a version in Русский already"):
            translations.translate(stored, _get(User, translator), "ru")
        with pytest.raises(services.PieceError, match="already"):
            translations.translate(draft, _get(User, translator), "en")  # the original's language
        az = translations.translate(draft, _get(User, translator), "az")  # of the original
        assert az.original_id == stored.id


def test_a_version_cannot_move_to_a_language_its_group_has(app, make_piece, make_user):
    original = make_piece("Story", body_source="Text.")
    translator = make_user("writer")
    with app.app_context():
        draft = translations.translate(_get(Piece, original), _get(User, translator), "ru")
        with pytest.raises(services.PieceError, match="in that language already"):
            services.update_piece(draft, _get(User, translator), services.PieceData(
                title="Story", body_source="Text.", language="en"))


def test_readers_see_the_other_languages_with_hreflang(app, client, make_piece, make_user):
    original = make_piece("Blocked twice", body_source="Text.")
    translator = make_user("writer")
    with app.app_context():
        draft = translations.translate(_get(Piece, original), _get(User, translator), "ru")
        draft_slug = draft.slug
    english = client.get("/articles/blocked-twice").get_data(as_text=True)
    assert "class=\"versions\"" not in english  # a draft is nobody's business
    assert 'rel="alternate" hreflang="ru"' not in english
    with app.app_context():
        stored = db.session.scalar(select(Piece).where(Piece.slug == draft_slug))
        services.publish(stored, _get(User, translator))
    english = client.get("/articles/blocked-twice").get_data(as_text=True)
    russian = client.get(f"/articles/{draft_slug}").get_data(as_text=True)
    assert ('<p class="versions">Also in: <a href="/articles/blocked-twice-ru" hreflang="ru" lang="ru">'
            'Русский</a></p>') in english
    assert 'Также на языках: <a href="/articles/blocked-twice" hreflang="en" lang="en">English</a>' in russian
    for page in (english, russian):
        for language, path in (("ru", "blocked-twice-ru"), ("en", "blocked-twice"),
                               ("x-default", "blocked-twice")):
            link = rf'<link rel="alternate" hreflang="{language}" href="http[^"]+/articles/{path}">'
            assert re.search(link, page), language


def test_a_translation_is_outdated_once_its_original_publishes_changes(app, client, auth, make_piece,
                                                                       make_user):
    writer, translator = make_user("writer"), make_user("writer", name="Tanya Translator")
    original = make_piece("Blocked twice", author=writer, body_source="First text.")
    with app.app_context():
        draft = translations.translate(_get(Piece, original), _get(User, translator), "ru")
        services.publish(draft, _get(User, translator))
        draft_id, draft_slug = draft.id, draft.slug
        services.update_piece(_get(Piece, original), _get(User, writer),
                              services.PieceData(title="Blocked twice", body_source="A corrected text."))
        assert not translations.is_outdated(db.session.get(Piece, draft_id))  # not published yet
        services.publish_changes(_get(Piece, original), _get(User, writer))
        assert translations.is_outdated(db.session.get(Piece, draft_id))
    page = client.get(f"/articles/{draft_slug}").get_data(as_text=True)
    assert ('<p class="outdated-note">Оригинал изменился после того, как был сделан этот перевод: '
            '<a href="/articles/blocked-twice" hreflang="en">читать оригинал</a>') in page
    auth.login(translator)
    desk = client.get("/desk/").get_data(as_text=True)
    assert "Outdated translations (1)" in desk and "follows revision 1, the original is at 2" in desk
    editor = client.get(f"/desk/{draft_id}/edit").get_data(as_text=True)
    assert "<strong>Outdated</strong>: the original has changed since" in editor
    base = re.search(r'name="base_revision" type="hidden" value="(\d+)"', editor).group(1)
    form = {"title": "Дважды заблокированы", "body_source": "Исправленный текст.", "language": "ru",
            "action": "save", "base_revision": base, "up_to_date": "y"}
    client.post(f"/desk/{draft_id}/edit", data=form)
    assert "outdated-note" in client.get(f"/articles/{draft_slug}").get_data(as_text=True)  # not yet
    client.post(f"/desk/{draft_id}/publish-changes")
    assert "outdated-note" not in client.get(f"/articles/{draft_slug}").get_data(as_text=True)
    assert "Outdated translations" not in client.get("/desk/").get_data(as_text=True)


def test_the_desk_translates_with_one_form(app, client, auth, make_piece, make_user):
    original = make_piece("Story", body_source="Text.")
    translator = make_user("writer")
    auth.login(translator)
    response = client.post(f"/desk/{original.id}/translate", data={"language": "az"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "A draft in Azərbaycan dili: translate the text, then publish it." in page
    assert 'A translation of <a href="/articles/story">Story</a> (English)' in page
    refused = client.post(f"/desk/{original.id}/translate", data={"language": "az"}, follow_redirects=True)
    assert "has a version in Azərbaycan dili already" in refused.get_data(as_text=True)
    assert client.post(f"/desk/{original.id}/translate", data={"language": "xx"}).status_code == 302
    draft = make_piece("Hidden", status="draft")
    assert client.post(f"/desk/{draft.id}/translate", data={"language": "ru"}).status_code == 404


def test_translations_status_counts_per_language(app, runner, make_piece, make_user):
    translator = make_user("writer")
    one, two = make_piece("One", body_source="1."), make_piece("Two", body_source="2.")
    make_piece("Drei", language="de", body_source="3.")  # not a site language: not counted
    with app.app_context():
        ru = translations.translate(_get(Piece, one), _get(User, translator), "ru")
        services.publish(ru, _get(User, translator))
        services.publish(translations.translate(_get(Piece, two), _get(User, translator), "ru"),
                         _get(User, translator))
        translations.translate(_get(Piece, one), _get(User, translator), "az")  # a draft
        first = _get(Piece, one)
        services.update_piece(first, first.author, services.PieceData(title="One", body_source="1!"))
        services.publish_changes(first, first.author)
    result = runner.invoke(args=["translations", "status"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "language              pieces  translated  outdated  missing",
        "English (en)               2           0         0        1",  # Drei has none
        "Русский (ru)               2           2         1        1",
        "Azərbaycan dili (az)       0           0         0        3",
    ]
