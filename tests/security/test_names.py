"""Names are stored without bidirectional controls (they can make a name read as another),
and no text holds a character XML forbids."""

from __future__ import annotations

from cms.accounts import services as accounts
from cms.articles import services as pieces
from cms.extensions import db
from cms.interviews import services as interviews
from cms.interviews.models import Interview
from cms.rules import accepted_text, clean_name
from tests.comments.conftest import old_token

RLO, LRI, PDI = "\u202e", "\u2066", "\u2069"


def test_clean_name_drops_bidi_controls_and_folds_spaces():
    assert clean_name(f"  Ada{RLO}nimda \u200f Lovelace{LRI}x{PDI} ") == "Adanimda Lovelacex"
    assert accepted_text("a\ufffeb\uffffc\ufdd0d\U0001fffee\x00f") == "abcdef"
    assert accepted_text("tab\tline\ncr\r") == "tab\tline\ncr\r"


def test_commenters_writers_and_speakers_names_lose_their_bidi_controls(app, client, make_piece,
                                                                        make_user):
    piece = make_piece("Names")
    client.post(f"/comments/{piece.id}", data={
        "name": f"Reader{RLO}gnp.exe", "body": "Hello", "form_token": old_token(app, piece.id)})
    with app.app_context():
        from cms.comments.models import Comment

        assert db.session.scalars(db.select(Comment.author_name)).all() == ["Readergnp.exe"]
        user = accounts.create_user("bidi@example.org", f"{LRI}Wren{PDI} Writer", "writer",
                                    "a long enough password")
        assert user.display_name == "Wren Writer"
        interview = interviews.create_interview(user, pieces.PieceData(
            title="Bidi", body_source=f"Ann{RLO} Ask (AA): Q?\n\nBo Be (BB): A."))
        assert [p.name for p in db.session.get(Interview, interview.id).participants] == [
            "Ann Ask", "Bo Be"]


def test_a_title_with_characters_xml_forbids_keeps_the_feed_well_formed(app, client, auth, make_user):
    from xml.etree import ElementTree

    auth.login(make_user("editor"))
    saved = client.post("/desk/new", data={
        "title": "Bad\ufffe title\uffff", "language": "en", "body_source": "Body\ufdd0 text\U0001ffff."})
    piece_path = saved.headers["Location"].removesuffix("/edit")
    client.post(f"{piece_path}/publish", data={"publish_at": ""})
    feed = client.get("/feed.atom").get_data(as_text=True)
    ElementTree.fromstring(feed)  # raises on a character XML forbids
    assert "<title>Bad title</title>" in feed and "Body text." in feed


def test_a_name_loses_zero_width_spaces_but_keeps_persian_joiners():
    from cms.rules import clean_name

    assert clean_name("Zo\u200bey\ufeff Sch\u2060ock") == "Zoey Schock"
    assert clean_name("می\u200cخواهم") == "می\u200cخواهم"  # the non-joiner is part of the word
