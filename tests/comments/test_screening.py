"""What holds a new comment back: blocked words as whole folded words, links, the traps."""

from __future__ import annotations

import pytest

from cms.accounts.models import User
from cms.articles.models import Piece
from cms.comments import screening, services
from cms.comments.models import CommentStatus
from cms.extensions import db
from tests.comments.conftest import old_token

ENTRIES = ["ass", "free money", "embass*", "bakı", "Əliyev", "cheap pill*", "*", "!!!"]


@pytest.mark.parametrize("text,held_by", [
    ("The embassy staff were kind.", "embass*"),  # by the prefix entry, not by "ass"
    ("Ass!", "ass"),
    ("what an ASS", "ass"),
    ("A passage about class and mass", None),
    ("Free   money\nfor all", "free money"),
    ("FREE money", "free money"),
    ("money, free", None),  # a phrase is its words in that order
    ("free moneys", None),  # whole words: no stemming
    ("Greetings from Baki", "bakı"),
    ("Greetings from BAKI", "bakı"),
    ("Aliyev said", "Əliyev"),  # the schwa written a
    ("Eliyev said", "Əliyev"),  # or e
    ("Cheap Pills here", "cheap pill*"),
    ("cheap", None),
    ("Embassies and embassy", "embass*"),
    ("embas", None),
    ("nothing to see", None),
    ("as\u200bs", "ass"),  # a zero-width space,
    ("as\u200ds", "ass"),  # a zero-width joiner,
    ("a\u00adss", "ass"),  # a soft hyphen,
    ("as\u0336s", "ass"),  # a strike-through: unseen, they split no word
    ("\u202eass", "ass"),  # nor does a direction mark
    ("Ba\u200bki", "bakı"),
])
def test_entries_match_whole_folded_words_and_phrases(text, held_by):
    assert screening.Blocklist(ENTRIES).first_in(text) == held_by


def test_a_phrase_never_spans_two_texts_and_empty_entries_match_nothing():
    blocklist = screening.Blocklist(ENTRIES)
    assert blocklist.first_in("free", "money") is None
    assert blocklist.first_in("Reader", "", "free money") == "free money"
    assert screening.Blocklist(["*", "!!!", "   "]).first_in("anything at all !!! *") is None


def test_a_dotted_capital_i_typed_in_two_characters_folds_like_the_one():
    assert screening.Blocklist(["İstanbul"]).first_in("i\u0307stanbul, Istanbul") == "İstanbul"
    assert screening.Blocklist(["istanbul"]).first_in("İSTANBUL") == "istanbul"


@pytest.mark.parametrize("typed,message", [
    ("$$$", "“$$$” has no letter or digit to match."),
    ("*", "“*” has no letter or digit to match."),
    ("f*ck", "“f*ck”: * may only end a word, as in “embass*”."),
    ("ass *", "“ass *”: * may only end a word, as in “embass*”."),
    ("*ass", "“*ass”: * may only end a word, as in “embass*”."),
])
def test_entries_that_cannot_work_as_typed_are_refused_with_the_form_back(
    app, client, auth, make_user, typed, message
):
    from markupsafe import escape

    from tests.conftest import csrf_token

    auth.login(make_user("admin"))
    page = client.get("/moderation/blocked-words").get_data(as_text=True)
    refused = client.post("/moderation/blocked-words",
                          data={"words": f"casino\n{typed}", "csrf_token": csrf_token(page)})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert str(escape(f"{message} Nothing was saved.")) in text
    assert str(escape(f"casino\n{typed}")) in text.replace("\r\n", "\n")
    with app.app_context():
        assert services.blocked_words() == []


def test_decomposed_accents_fold_like_composed_ones():
    assert screening.Blocklist(["cafe"]).first_in("Cafe\u0301 au lait") == "cafe"
    assert screening.Blocklist(["café"]).first_in("a CAFE") == "café"


@pytest.mark.parametrize("text,links", [
    ("no links at all", 0),
    ("see https://example.org/a and http://example.net", 2),
    ("https://www.example.org counts once", 1),
    ("WWW.EXAMPLE.ORG and www.example.com/x", 2),
    ("awww.no and wwwexample", 0),
])
def test_links_are_counted_once_each(text, links):
    assert screening.link_count(text) == links


def set_words(app, admin, words):
    with app.app_context():
        services.set_blocked_words(db.session.get(User, admin.id), words)


def post(app, piece, body, name="Reader", email=""):
    with app.app_context():
        comment = services.post_comment(db.session.get(Piece, piece.id), name, email, body)
        return comment.status, comment.held_reason


def test_a_held_comment_records_the_entry_as_the_admin_typed_it(app, make_user, make_piece):
    piece = make_piece("Screened")
    set_words(app, make_user("admin"), "Ass\nfree money\nembass*")
    assert post(app, piece, "The embassy staff") == (CommentStatus.SPAM, "blocked word: embass*")
    assert post(app, piece, "Ass!") == (CommentStatus.SPAM, "blocked word: Ass")
    assert post(app, piece, "Free   money") == (CommentStatus.SPAM, "blocked word: free money")
    assert post(app, piece, "Hello", name="FREE MONEY") == (
        CommentStatus.SPAM, "blocked word: free money")
    assert post(app, piece, "A classy passage") == (CommentStatus.PENDING, "")


def test_without_embass_the_embassy_is_not_held_by_ass(app, make_user, make_piece):
    piece = make_piece("Embassy")
    set_words(app, make_user("admin"), "ass")
    assert post(app, piece, "The embassy staff") == (CommentStatus.PENDING, "")
    assert post(app, piece, "ASS") == (CommentStatus.SPAM, "blocked word: ass")


def test_a_long_entry_is_cut_to_fit_the_reason(app, make_user, make_piece):
    piece = make_piece("Long entry")
    entry = " ".join(["word"] * 40)
    set_words(app, make_user("admin"), entry)
    status, reason = post(app, piece, entry)
    assert status == CommentStatus.SPAM
    assert reason == f"blocked word: {entry}"[:120] and len(reason) == 120


@pytest.mark.config(CMS_COMMENT_MAX_LINKS=2)
def test_more_links_than_the_setting_allows_are_held(app, make_piece):
    piece = make_piece("Links")
    assert post(app, piece, "https://a.example www.b.example") == (CommentStatus.PENDING, "")
    assert post(app, piece, "https://a.example www.b.example http://c.example") == (
        CommentStatus.SPAM, "too many links")


def test_without_the_setting_links_are_not_counted(app, make_piece):
    piece = make_piece("Many links")
    body = " ".join(f"https://{n}.example" for n in range(20))
    assert app.config["CMS_COMMENT_MAX_LINKS"] is None
    assert post(app, piece, body) == (CommentStatus.PENDING, "")


@pytest.mark.config(CMS_COMMENT_MAX_LINKS=0)
def test_each_trap_leaves_its_reason_through_the_form(app, make_piece, send_comment, comments_of):
    piece = make_piece("Traps")
    assert send_comment(piece, "Honey", website="http://spam.example").status_code == 200
    assert send_comment(piece, "Quick", token=old_token(app, piece.id, age=1)).status_code == 200
    assert send_comment(piece, "See www.example.org").status_code == 200
    assert send_comment(piece, "Both", website="x", token=old_token(app, piece.id, age=1)).status_code == 200
    assert send_comment(piece, "A human, no link").status_code == 200
    assert [(c.body, c.status, c.held_reason) for c in comments_of(piece.id)] == [
        ("Honey", CommentStatus.SPAM, "honeypot"),
        ("Quick", CommentStatus.SPAM, "too fast"),
        ("See www.example.org", CommentStatus.SPAM, "too many links"),
        ("Both", CommentStatus.SPAM, "honeypot"),
        ("A human, no link", CommentStatus.PENDING, ""),
    ]


def test_the_admin_page_explains_whole_words_and_prefixes(client, auth, make_user):
    auth.login(make_user("admin"))
    page = client.get("/moderation/blocked-words").get_data(as_text=True)
    assert '<textarea' in page and 'name="words"' in page
    assert "matched as whole words in any case" in page
    assert "End it with * to match every word that begins so (“embass*”)" in page
