"""The transcript parser and exporter, on transcripts written for the tests."""

from __future__ import annotations

import pytest

from cms.interviews.transcript import ParseError, Speaker, TurnText, export, parse
from tests.interviews.conftest import TRANSCRIPT


def test_parses_introduction_speakers_turns_and_both_footnote_styles():
    parsed = parse(TRANSCRIPT)
    assert parsed.introduction == (
        "We met the two defenders in a borrowed office, between two court hearings.\n\n"
        "This conversation was shortened for clarity."
    )
    assert parsed.speakers == [
        Speaker("Dr. Jane Roe", "JR", "interviewer"),
        Speaker("Иван Петров", "ИП", "interviewee"),
        Speaker("Mx. A. B. Okafor", "ABO", "interviewee"),
    ]
    assert parsed.turns == [
        TurnText("JR", "When did you first notice that the site was blocked?[^block]"),
        TurnText("ИП", "В марте. Сначала мы подумали, что это сбой [^1].\n\n"
                       "Then the readers wrote to us from three cities at once."),
        TurnText("JR", "And what did you do?"),
        TurnText("ABO", "We published mirrors and a feed."),
        TurnText("ИП", "И продолжали писать."),
    ]
    assert parsed.footnotes == [
        ("block", "Blocking orders are rarely published."),
        ("1", 'The provider called it "maintenance" for nine days.'),
    ]
    assert [turn.line for turn in parsed.turns] == [5, 7, 13, 15, 17]


def test_windows_and_old_mac_line_endings_read_like_unix_ones():
    assert parse(TRANSCRIPT.replace("\n", "\r\n")) == parse(TRANSCRIPT)
    assert parse(TRANSCRIPT.replace("\n", "\r")) == parse(TRANSCRIPT)


def test_lines_of_one_paragraph_stay_together_and_labels_need_capital_initials():
    parsed = parse("A. Roe (AR): First line\nsecond line.\n\nNote: not a speaker.\n\nAR:\nNext.")
    assert [t.text for t in parsed.turns] == ["First line\nsecond line.\n\nNote: not a speaker.",
                                             "Next."]


def test_writer_can_say_the_first_speaker_is_not_the_interviewer():
    parsed = parse("Guest Name (GN, interviewee): Hello.\n\nHost Name (HN, interviewer): Hi.")
    assert [(s.initials, s.role) for s in parsed.speakers] == [("GN", "interviewee"),
                                                              ("HN", "interviewer")]


def test_plain_note_needs_its_marker_in_the_text():
    parsed = parse("A (A): Two reasons.\n\n(1) money.")
    assert parsed.turns[0].text == "Two reasons.\n\n(1) money."
    assert parsed.footnotes == []


@pytest.mark.parametrize("text,line,words", [
    ("Intro.\n\nJR: Who am I?\n\nJane Roe (JR): Me.", 3, "the initials JR are used before"),
    ("Jane Roe (JR): Hi.\n\nIvan Petrov (ИП): Привет.\n\nJack Ross (JR): Hello.", 5,
     "Jack Ross and Jane Roe (line 1) both have the initials JR"),
    ("Only an introduction.\n\nWith two paragraphs.", 1, "there is no turn"),
    ("", 1, "there is no turn"),
    ("Jane Roe (JR): Hi.\r\n\r\nJR: Yes.\r\n\r\n\r\nBob (B): Fine.\r\n\r\nBB: No.", 8,
     "the initials BB are used before"),
    ("Jane Roe (JR): Hi.[^1]\n\n[^1]: One.\n\n[^1]: Again.", 5, "the footnote 1 is defined twice"),
    ("Jane Roe (JR): Hi.\n\nJR:\n\nBob (B): Fine.", 3, "the turn of JR says nothing"),
])
def test_errors_name_their_line(text, line, words):
    with pytest.raises(ParseError) as caught:
        parse(text)
    assert caught.value.line == line
    assert str(caught.value).startswith(f"Line {line}: ")
    assert words in str(caught.value)


def test_export_then_parse_gives_the_same_interview():
    parsed = parse(TRANSCRIPT)
    text = export(parsed)
    assert parse(text) == parsed
    assert export(parse(text)) == text
    assert "Dr. Jane Roe (JR): When did you first" in text
    assert "\n\nИП: И продолжали писать.\n" in text
    assert text.endswith('[^block]: Blocking orders are rarely published.\n\n'
                         '[^1]: The provider called it "maintenance" for nine days.\n')


def test_export_keeps_roles_that_differ_from_the_default_and_multi_paragraph_notes():
    parsed = parse("Guest (G, interviewee): Hi.[^n]\n\nHost (H): Hello.\n\n"
                   "[^n]: First part.\n\n    Second part.")
    assert parsed.footnotes == [("n", "First part.\n\nSecond part.")]
    text = export(parsed)
    assert text.startswith("Guest (G, interviewee): Hi.[^n]\n\nHost (H): Hello.")
    assert parse(text) == parsed
