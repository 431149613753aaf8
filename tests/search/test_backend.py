"""The behaviour every search backend owes the site: one class of tests, inherited per engine."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cms.articles import services
from cms.articles.models import Piece
from cms.database import utcnow
from cms.extensions import db
from tests.search.conftest import ON_POSTGRES, titles


class BackendContract:
    """Inherit and set `pytestmark = pytest.mark.config(CMS_SEARCH_BACKEND=...)` for another engine."""

    def test_english_stemming_finds_other_forms(self, archive, ask):
        assert titles(ask("defenders")) == ["A defender of free speech"]
        assert titles(ask("campaign")) == ["A defender of free speech"]

    def test_folding_of_case_and_azerbaijani_letters(self, archive, ask):
        assert titles(ask("baki")) == ["Letter from Bakı"]
        assert titles(ask("Aliyev")) == ["Letter from Bakı"]
        assert titles(ask("ILHAM seher cay goz olke uz")) == ["Letter from Bakı"]
        assert titles(ask("Əliyev")) == ["Letter from Bakı"]

    def test_cyrillic_is_found_and_russian_is_stemmed(self, archive, ask):
        assert titles(ask("свиданья")) == ["Прощание"]
        assert titles(ask("правозащитников")) == ["Прощание"]  # another case of правозащитники

    def test_phrases_keep_word_order(self, archive, ask):
        assert titles(ask('"human rights"')) == ["Rights online"]
        assert titles(ask('"rights human"')) == []

    def test_words_are_anded_excluded_and_ored(self, archive, ask):
        # "Rights online" is tagged Free speech: tags are searched, below the title.
        assert titles(ask("free speech")) == ["A defender of free speech", "Rights online"]
        assert titles(ask("free speech -panel")) == ["A defender of free speech"]
        assert set(titles(ask("rights"))) == {"Rights online"}
        assert titles(ask("speech -campaigning")) == ["Rights online"]
        assert titles(ask("speech -campaigning -free")) == []
        assert set(titles(ask("свиданья OR baki"))) == {"Прощание", "Letter from Bakı"}

    def test_title_and_speaker_prefixes(self, archive, ask):
        assert titles(ask("internet")) == ["Rights online"]
        assert titles(ask("title:internet")) == []
        assert titles(ask("title:online")) == ["Rights online"]
        assert titles(ask("speaker:Ismayilova")) == ["Talking to a journalist in exile"]
        assert titles(ask("speaker:prison")) == []

    def test_facets_count_every_result_and_filter(self, archive, ask, ctx):
        results = ask("rights OR speech OR journalist")
        assert results.total == 3
        facets = {name: {v.key: v.count for v in values} for name, values in results.facets.items()}
        assert facets["kind"] == {"article": 2, "interview": 1}
        assert facets["year"] == {"2022": 1, "2023": 1, "2024": 1}
        assert facets["language"] == {"en": 3}
        assert facets["tag"] == {"free-speech": 2, "azerbaijan": 1}
        assert list(facets["campaign"].values()) == [3]
        assert titles(ask("rights OR speech OR journalist", kind="interview")) == [
            "Talking to a journalist in exile"]
        assert titles(ask("rights OR speech OR journalist", tag="azerbaijan")) == [
            "A defender of free speech"]

    def test_snippet_of_an_interview_names_the_speaker(self, archive, ask):
        hit = ask("prison").hits[0]
        assert hit.speaker == "Xədicə İsmayılova"
        assert str(hit.snippet) == (
            "Because the <mark>prison</mark> was waiting for every journalist who wrote.")

    def test_snippet_is_the_turn_with_the_most_query_words_and_links_to_it(self, make_interview, ask):
        make_interview("The donkey video", DONKEY_TURNS)
        hit = ask("donkey bloggers").hits[0]
        assert (hit.speaker, hit.anchor) == ("Emin Milli", "turn-3")
        assert str(hit.snippet) == (
            "…Then the &#39;<mark>Donkey</mark> <mark>Bloggers</mark>&#39;, Milli and Hajizadeh, "
            "were sentenced to two years.")

    def test_a_phrase_is_marked_whole_and_its_words_alone_are_not(self, make_interview, ask):
        make_interview("The donkey video", DONKEY_TURNS)
        hit = ask('"the donkey bloggers"').hits[0]
        assert hit.anchor == "turn-3"
        assert str(hit.snippet) == (
            "…Then <mark>the &#39;Donkey Bloggers</mark>&#39;, Milli and Hajizadeh, were sentenced "
            "to two years.")

    def test_a_speaker_clause_picks_that_speakers_turn(self, make_interview, ask):
        make_interview("The donkey video", DONKEY_TURNS)
        hit = ask("speaker:Roe donkey").hits[0]
        assert (hit.speaker, hit.anchor, str(hit.snippet)) == (
            "Ann Roe", "turn-2", "Why the <mark>donkey</mark> video?")

    def test_an_articles_snippet_links_to_its_paragraph(self, make_piece, ask):
        make_piece("Mirrors", standfirst="How readers keep reading.",
                   body_source="The site was blocked.\n\n## Mirrors\n\n"
                               "Readers built mirrors, and the mirrors kept the archive.")
        hit = ask("mirrors archive").hits[0]
        assert (hit.anchor, str(hit.snippet)) == (
            "p-3", "Readers built <mark>mirrors</mark>, and the <mark>mirrors</mark> kept the "
                   "<mark>archive</mark>.")
        standfirst = ask("readers reading").hits[0]
        assert (standfirst.anchor, str(standfirst.snippet)) == (
            "", "How <mark>readers</mark> keep <mark>reading</mark>.")

    def test_snippet_is_escaped(self, make_piece, ask):
        make_piece("Markup", body_source="Use `<script>` tags & such: script kiddies.")
        assert "<mark>script</mark>" in str(ask("script").hits[0].snippet)
        assert "&lt;" in str(ask("script").hits[0].snippet)

    def test_spelling_suggestion_has_results(self, archive, ask):
        results = ask("defendr speach")
        assert results.total == 0
        assert results.suggestion == "defender speech"
        assert ask(results.suggestion).total == 1
        assert ask("qqqqqq").suggestion is None

    def test_relevance_and_date_order_and_pages(self, make_piece, ask):
        for day in range(12):
            make_piece(f"Report {day}", body_source="weekly report",
                       published_at=utcnow() - timedelta(days=day + 1))
        make_piece("Report report report", body_source="report report",
                   published_at=utcnow() - timedelta(days=30))
        assert ask("report").hits[0].title == "Report report report"
        by_date = ask("report", sort="date")
        assert titles(by_date)[:3] == ["Report 0", "Report 1", "Report 2"]
        assert by_date.total == 13 and len(by_date.hits) == 10 and by_date.pages == 2
        assert len(ask("report", sort="date", page=2).hits) == 3

    def test_scheduled_piece_appears_when_due(self, make_piece, ask):
        make_piece("Embargoed report", published_at=utcnow() + timedelta(hours=2))
        assert titles(ask("embargoed")) == []
        assert titles(ask("embargoed", now=utcnow() + timedelta(hours=3))) == ["Embargoed report"]

    def test_suggestions_never_reveal_a_scheduled_piece(self, make_piece, ask):
        make_piece("Freedom today", body_source="freedom")
        make_piece("Embargoed", body_source="zanzibarian", published_at=utcnow() + timedelta(hours=2))
        assert ask("freedon OR zanzibarain").suggestion == "freedom OR zanzibarain"
        assert ask("zanzibarain").suggestion is None
        due = utcnow() + timedelta(hours=3)
        assert ask("zanzibarain", now=due).suggestion == "zanzibarian"

    def test_a_word_only_a_scheduled_piece_has_is_corrected_as_if_it_were_not_there(
        self, make_piece, ask
    ):
        make_piece("Bloggers on trial", body_source="The bloggers spoke.")
        make_piece("Embargoed", body_source="The bloggerz spoke.", published_at=utcnow() + timedelta(hours=2))
        # As for a word no piece has: readers are offered what they can find.
        assert ask("bloggerx").suggestion == "bloggers"
        assert ask("bloggerz").suggestion == "bloggers"
        assert titles(ask("bloggerz")) == []

    def test_a_piece_is_not_found_from_its_end_date_on(self, app, make_piece, ask):
        piece = make_piece("Temporary exhibition", body_source="sculptures", topics=["Art"])
        ends = utcnow() + timedelta(hours=2)
        _set_end_date(app, piece.id, ends)
        assert titles(ask("sculptures")) == ["Temporary exhibition"]
        assert titles(ask("sculptures", now=ends - timedelta(seconds=1))) == ["Temporary exhibition"]
        gone = ask("sculptures", now=ends)
        assert titles(gone) == [] and gone.total == 0 and gone.facets["tag"] == []
        assert ask("", now=ends).total == 0

    def test_suggestions_never_reveal_a_piece_past_its_end_date(self, app, make_piece, ask):
        make_piece("Freedom today", body_source="freedom")
        piece = make_piece("Gone", body_source="zanzibarian")
        ends = utcnow() + timedelta(hours=2)
        _set_end_date(app, piece.id, ends)
        assert ask("zanzibarain").suggestion == "zanzibarian"
        assert ask("zanzibarain", now=ends).suggestion is None

    def test_malformed_queries_are_searched_as_words(self, archive, ask):
        for text in ['"free speech', "free speech OR", "OR", "-", '"', "title:", "speaker:",
                     "defender\x00\x07", "<b>defender</b>", "defender " * 1000, "((defender AND",
                     "*", "defender:", "a" * 5000]:
            results = ask(text)
            assert results.total >= 0
        assert titles(ask('"free speech')) == ["A defender of free speech", "Rights online"]
        assert titles(ask('"free speech" "')) == ["A defender of free speech", "Rights online"]
        assert ask("title:").total == ask("-").total == ask("").total == 5  # nothing asked
        assert titles(ask("title: defender")) == ["A defender of free speech"]
        assert titles(ask('speaker: "" defender')) == ["A defender of free speech"]
        assert titles(ask("- defender -")) == ["A defender of free speech"]
        assert titles(ask("defender " + "x" * 5000)) == []
        assert titles(ask("<b>defender</b>")) == ["A defender of free speech"]
        assert titles(ask("defender\x00\x07")) == ["A defender of free speech"]
        assert titles(ask("-defender")) == ["A defender of free speech"]


DONKEY_TURNS = [
    ("Ann Roe", "AR", "Many journalists and bloggers were arrested that year."),
    ("Ann Roe", "AR", "Why the donkey video?"),
    ("Emin Milli", "EM", "It began as a joke. Then the 'Donkey Bloggers', Milli and Hajizadeh, "
                         "were sentenced to two years."),
]


def _set_end_date(app, piece_id, ends):
    from cms.articles import services
    from cms.articles.models import Piece
    from cms.extensions import db

    with app.app_context():
        piece = db.session.get(Piece, piece_id)
        services.publish(piece, piece.author, None, ends)


class StoryContract:
    """A story in several languages is one result, on every engine."""

    @pytest.fixture
    def story(self, app, make_piece, make_user):
        from cms.accounts.models import User
        from cms.articles import translations

        translator = make_user("writer")
        original = make_piece("Zarqawiyya in English", body_source="Zarqawiyya speaks. English only.")
        ids = {"en": original.id}
        with app.app_context():
            for language, words in (("ru", "Zarqawiyya говорит. Только по-русски."),
                                    ("az", "Zarqawiyya danışır. Yalnız azərbaycanca.")):
                draft = translations.translate(db.session.get(Piece, original.id),
                                               db.session.get(User, translator.id), language)
                services.update_piece(draft, draft.author, services.PieceData(
                    title=f"Zarqawiyya ({language})", body_source=words, language=language))
                services.publish(draft, draft.author, utcnow() - timedelta(minutes=5))
                ids[language] = draft.id
        return ids

    def test_a_story_is_one_result_in_the_preferred_language_else_the_original(self, story, ask):
        for prefer, expected in (("en", "en"), ("ru", "ru"), ("az", "az"), ("", "en"), ("uk", "en")):
            found = ask("Zarqawiyya", prefer=prefer)
            assert (found.total, [hit.id for hit in found.hits]) == (1, [story[expected]]), prefer
            assert sum(value.count for value in found.facets["language"]) == 1

    def test_the_version_that_matches_is_shown_whatever_the_preferred_language(self, story, ask):
        assert [hit.id for hit in ask("русски", prefer="en").hits] == [story["ru"]]
        both = ask("English OR azərbaycanca", prefer="ru")  # the Russian version does not match
        assert [hit.id for hit in both.hits] == [story["en"]] and both.total == 1

    def test_a_language_filter_still_finds_that_version(self, story, ask):
        assert [hit.id for hit in ask("Zarqawiyya", prefer="en", language="az").hits] == [story["az"]]


class TestWhoosh(BackendContract, StoryContract):
    pytestmark = pytest.mark.config(CMS_SEARCH_BACKEND="whoosh")


class TestPostgres(BackendContract, StoryContract):
    pytestmark = [pytest.mark.config(CMS_SEARCH_BACKEND="postgres"), ON_POSTGRES]
