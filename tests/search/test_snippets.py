"""The passage rule of snippets, on plain passages: no index, no engine."""

from __future__ import annotations

from cms.articles.models import Passage
from cms.search.querylang import parse
from cms.search.snippets import LENGTH, Query, snippet


def best(query: str, *passages: Passage, language: str = "en") -> tuple[str, str, str]:
    found = snippet(passages, Query(parse(query)), language)
    return str(found.html), found.speaker, found.anchor


def test_most_distinct_terms_win_over_more_hits_of_one():
    assert best("courts appeal",
                Passage("The courts, the courts and the courts again.", "p-1"),
                Passage("An appeal to the courts.", "p-2")) == (
        "An <mark>appeal</mark> to the <mark>courts</mark>.", "", "p-2")


def test_then_the_most_hits_then_the_earliest():
    assert best("courts",
                Passage("One court hearing.", "p-1"),
                Passage("Courts and courts.", "p-2"),
                Passage("Courts or courts.", "p-3"))[2] == "p-2"
    assert best("hearing", Passage("A hearing.", "p-1"), Passage("A hearing.", "p-2"))[2] == "p-1"


def test_the_window_is_whole_sentences_of_one_passage():
    text = ("It rained. The blogger was arrested at dawn. " + "Nothing else happened that day. " * 10)
    html, _, _ = best("arrested", Passage(text, "p-4"))
    assert html.startswith("…The blogger was <mark>arrested</mark> at dawn. Nothing else")
    assert html.endswith("day. …")
    assert len(html.split()) <= LENGTH + 2


def test_a_long_sentence_is_cut_around_its_match():
    words = [f"w{n}" for n in range(100)]
    words[60] = "verdict"
    html, _, _ = best("verdict", Passage(" ".join(words) + "."))
    assert html == "…" + " ".join(words[52:60]) + " <mark>verdict</mark> " + " ".join(words[61:88]) + "…"


def test_sentences_fit_together_when_the_window_has_room():
    assert best("verdict", Passage("A verdict. Short. Shorter.")) == (
        "A <mark>verdict</mark>. Short. Shorter.", "", "")


def test_a_phrase_is_one_term_and_only_its_occurrence_is_marked():
    text = "The court said no. The court of appeal, said the lawyer, will hear it."
    html, _, _ = best('"court of appeal" lawyer', Passage(text))
    assert html == ("…The <mark>court of appeal</mark>, said the <mark>lawyer</mark>, will hear it.")


def test_overlapping_hits_are_one_mark():
    html, _, _ = best('"free speech" speech', Passage("They spoke of free speech online."))
    assert html == "They spoke of <mark>free speech</mark> online."


def test_words_match_folded_and_stemmed_in_the_pieces_language():
    assert best("aliyev baki", Passage("İlham Əliyev came to Bakı."), language="az")[0] == (
        "İlham <mark>Əliyev</mark> came to <mark>Bakı</mark>.")
    assert best("правозащитников", Passage("Правозащитники собрались."), language="ru")[0] == (
        "<mark>Правозащитники</mark> собрались.")
    assert best("defenders", Passage("A defender spoke."))[0] == "A <mark>defender</mark> spoke."
    assert best("defenders", Passage("A defender spoke."), language="az")[0] == "A defender spoke."


def test_a_turn_names_its_speaker_and_a_speaker_clause_counts_for_their_turns():
    turns = [Passage("We met at the court.", "turn-1", "Ann Roe"),
             Passage("The court was closed.", "turn-2", "Bo Be")]
    assert best("court", *turns)[1:] == ("Ann Roe", "turn-1")
    assert best("court speaker:be", *turns)[1:] == ("Bo Be", "turn-2")


def test_without_a_match_the_opening_of_the_first_passage():
    words = " ".join(f"w{n}" for n in range(50))
    assert best("absent", Passage(words, "p-1"), Passage("More.", "p-2")) == (
        " ".join(f"w{n}" for n in range(LENGTH)) + "…", "", "")
    assert best("absent") == ("", "", "")


def test_text_is_escaped_around_marks():
    assert best("script", Passage("<script> & script"))[0] == (
        "&lt;<mark>script</mark>&gt; &amp; <mark>script</mark>")


def test_accented_words_in_an_english_text_are_found_as_in_an_ascii_one():
    assert best("cafe", Passage("The café was shut, the cafe too."))[0] == (
        "The <mark>café</mark> was shut, the <mark>cafe</mark> too.")
    assert best("represent", Passage("Presenters represent us."))[0] == (
        "Presenters <mark>represent</mark> us.")


def test_a_very_long_piece_is_read_up_to_its_first_sixty_thousand_characters():
    filler = Passage("word " * 12_500)  # 62,500 characters
    assert best("needle", Passage("Opening words."), filler, Passage("A needle.", "p-3")) == (
        "Opening words.", "", "")
    assert best("needle", Passage("Opening words."), Passage("A needle.", "p-2"), filler)[2] == "p-2"
