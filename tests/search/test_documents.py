"""What the index holds of a piece: its writers' words, each once, never the page around them."""

from __future__ import annotations

from datetime import timedelta

from cms.accounts.models import User
from cms.articles import services as pieces
from cms.articles.models import Passage
from cms.database import utcnow
from cms.extensions import db
from cms.interviews import services as interviews
from cms.search.documents import document_for
from cms.textformat import markdown_to_html, number_blocks, text_blocks
from tests.search.conftest import titles

TRANSCRIPT = """\
We met the defender in a borrowed office.

Ann Ask (AA): When did the blocking start?[^1]

Bo Be (BB): In March. The readers wrote to us first.

AA: And then?

BB: Then we built mirrors.

[^1]: The regulator never published its order.
"""
# Words the page puts around an interview; none of them is in the transcript.
FRAME_WORDS = ["In this interview", "Interviewer", "Interviewee", "Notes", "Back to the text"]


def _published_interview(app, make_user):
    with app.app_context():
        writer = db.session.get(User, make_user("writer").id)
        piece = interviews.create_interview(writer, pieces.PieceData(
            title="Mirrors", standfirst="How a newsroom kept its readers.", body_source=TRANSCRIPT,
            topics=["Censorship"]))
        pieces.publish(piece, writer, utcnow() - timedelta(hours=1))
        return piece.id


def test_an_interviews_document_holds_each_turn_once_and_no_page_frame(app, make_user):
    piece_id = _published_interview(app, make_user)
    with app.test_request_context():
        piece = db.session.get(interviews.Interview, piece_id)
        page = str(piece.reader_html())
        document = document_for(piece)
    assert all(word in page for word in ("In this interview", "Interviewer", "Interviewee"))
    assert document.turns == (
        ("Ann Ask", "When did the blocking start?"),
        ("Bo Be", "In March. The readers wrote to us first."),
        ("Ann Ask", "And then?"),
        ("Bo Be", "Then we built mirrors."),
    )
    assert document.speakers == ("Ann Ask", "Bo Be")
    assert document.body.startswith("We met the defender in a borrowed office.")
    assert "The regulator never published its order." in document.body
    everything = "\n".join([document.title, document.standfirst, document.body,
                            *(text for _, text in document.turns)])
    for _speaker, text in document.turns:
        assert everything.count(text) == 1, text
    for word in FRAME_WORDS:
        assert word.lower() not in everything.lower(), word


def test_searching_the_page_frames_words_finds_no_interview(app, make_user, ask):
    _published_interview(app, make_user)
    assert titles(ask("mirrors")) == ["Mirrors"]
    assert titles(ask("regulator")) == ["Mirrors"]  # the notes are the writer's words
    for word in ("interviewee", "interviewer", '"In this interview"'):
        assert titles(ask(word)) == [], word


def test_an_articles_document_is_its_body_as_text(app, make_piece):
    article = make_piece("Plain", body_source="Some *emphasis* and a [link](https://example.org).[^n]\n\n"
                                              "[^n]: A note.")
    with app.test_request_context():
        document = document_for(db.session.get(pieces.Piece, article.id))
    assert document.turns == () and document.speakers == ()
    assert document.body.startswith("Some emphasis and a link.")
    assert "A note." in document.body and "<" not in document.body


def test_an_interviews_passages_are_its_turns_with_their_anchors_and_its_notes_with_theirs(app, make_user):
    piece_id = _published_interview(app, make_user)
    with app.test_request_context():
        document = document_for(db.session.get(interviews.Interview, piece_id))
    assert document.passages == (
        Passage("We met the defender in a borrowed office."),
        Passage("When did the blocking start?", "turn-1", "Ann Ask"),
        Passage("In March. The readers wrote to us first.", "turn-2", "Bo Be"),
        Passage("And then?", "turn-3", "Ann Ask"),
        Passage("Then we built mirrors.", "turn-4", "Bo Be"),
        Passage("The regulator never published its order.", "fn:1"),
    )
    assert document.snippet_passages()[0] == Passage("How a newsroom kept its readers.")


BLOCKS = """A claim.[^1]

## Section

* one
* two

| a | b |
|---|---|
| 40 | 50 |

> quoted
> text

[^1]: The source.
"""


def test_each_block_of_a_body_has_the_id_its_passage_links_to():
    html = markdown_to_html(BLOCKS)
    numbered = number_blocks(html)
    assert text_blocks(html) == [
        ("p-1", "A claim."), ("p-2", "Section"), ("p-3", "one"), ("p-4", "two"),
        ("p-4", "a"), ("p-4", "b"), ("p-4", "40"), ("p-4", "50"),  # cells: the block before
        ("p-5", "quoted text"), ("p-7", "The source."),
    ]
    for anchor, _text in text_blocks(html):
        assert f' id="{anchor}"' in numbered
    assert '<li id="fn:1">\n<p id="p-7">The source.' in numbered
    assert [anchor for anchor, _ in text_blocks(html, numbered=False)] == [""] * 9 + ["fn:1"]
    assert number_blocks(numbered) == numbered  # ids once
