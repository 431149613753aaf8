"""Ranking over a small archive written for it: ten queries and the order each must give.

Field weights: the title counts most, then the standfirst and the tags, then the body; a long
piece about a subject is not buried under short pieces that mention it once; equal scores
list the newest first. Every engine inherits the class (see test_backend.py).
"""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.search.conftest import ON_POSTGRES, titles

# Sentences that hold none of the queried words, to make long texts.
FILLER = [
    "The train was late again that morning.",
    "We talked about the harvest and the price of bread.",
    "Her brother keeps bees in the hills above the town.",
    "Nobody answered the letters for a long time.",
    "The old library still lends books to anyone who asks.",
    "There were three children in the family, and a dog.",
    "Winter came early, and the roads closed for a week.",
    "They painted the school a bright shade of green.",
    "A neighbour brought soup when the power went out.",
    "The market sells apples, walnuts and dried apricots.",
    "My grandmother remembered every song from her village.",
    "We walked by the river until it was dark.",
]


def filler(count: int, offset: int = 0) -> str:
    return " ".join(FILLER[(offset + n) % len(FILLER)] for n in range(count))


def yunus_turns() -> list[tuple[str, str, str]]:
    """A long interview (about 1,600 words) that is about Azerbaijan: it says so five times."""
    turns = []
    for number in range(30):
        text = filler(5, number)
        if number % 6 == 3:
            text += " Azerbaijan changed in those years."
        if number == 10:
            text += " We were human rights defenders before the word was used."
        speaker = ("Ann Roe", "AR") if number % 2 == 0 else ("Leyla Yunus", "LY")
        turns.append((*speaker, text))
    return turns


@pytest.fixture
def ranked(make_piece, make_interview):
    """The archive: (title, fields) in publication order, oldest first."""
    when = iter(datetime(2024, 1, day, 9) for day in range(1, 29))
    pieces = [
        ("Weather in the mountains", dict(body_source="Snow fell in Azerbaijan on Monday.")),
        ("Gas prices", dict(body_source="Prices rose in Azerbaijan this week.",
                            countries=["Azerbaijan"])),
        ("Azerbaijan's political detainees", dict(body_source="Names and sentences, updated monthly.")),
        ("Rain in the valley", dict(body_source="Rain fell in Azerbaijan on Friday.")),
        ("Cameras on every corner", dict(body_source="Surveillance, again.")),
        ("A quiet week", dict(standfirst="How surveillance spread across the region.",
                              body_source=filler(3))),
        ("Surveillance in the capital", dict(body_source=filler(2, 4))),
        ("Notes on the digital age", dict(body_source=filler(20) + " Surveillance is cheap now. "
                                          + filler(20, 5) + " Surveillance is everywhere.")),
        ("Human rights defenders at risk", dict(body_source="A report from the region.")),
        ("Defenders", dict(body_source="Defenders of human rights met in the capital.")),
        ("Press freedom index", dict(body_source="Where journalists can work.")),
        ("A letter", dict(standfirst="Press freedom, seen from a newsroom.", body_source=filler(4))),
        ("On reporting", dict(body_source=filler(10) + " Press freedom matters. " + filler(10, 3)
                              + " Without press freedom there is no reporting. " + filler(10, 6)
                              + " We defend press freedom.")),
        ("Briefly", dict(body_source="Press freedom was mentioned.")),
        ("Журналисты в суде", dict(language="ru", body_source="Заседание перенесли.")),
        ("Новости недели", dict(language="ru", body_source="Суд над журналистом продолжился.")),
        ("Bakı gündəliyi", dict(language="az", body_source="Şəhərdə yağış yağdı.")),
        ("From the capital", dict(body_source="The bus from Baki was full.")),
        ("Court diary", dict(body_source="The hearing was adjourned until June.")),
        ("Court notes", dict(body_source="The hearing was adjourned until July.")),
        ("Prison letters", dict(body_source="Letters written in a cell.")),
        ("A visit", dict(body_source="We went to the jail at noon, and again at night.")),
    ]
    for title, fields in pieces:
        make_piece(title, published_at=next(when), **fields)
    make_interview("Yunus: a life in the courts", yunus_turns(), published_at=next(when),
                   countries=["Azerbaijan"], standfirst="Forty years of a family's work.")


# query -> the titles in the order the engine must give them (all of them).
EXPECTED = {
    # The title, then the long interview tagged Azerbaijan, then the short tagged piece, then
    # the three-line pieces that only mention it (equal: the newest first).
    "azerbaijan": ["Azerbaijan's political detainees", "Yunus: a life in the courts", "Gas prices",
                   "Rain in the valley", "Weather in the mountains"],
    # Title, standfirst, a long body that says it twice, a short body that says it once.
    "surveillance": ["Surveillance in the capital", "A quiet week", "Notes on the digital age",
                     "Cameras on every corner"],
    # Both words: title, standfirst, a long piece about it, a short mention.
    "press freedom": ["Press freedom index", "A letter", "On reporting", "Briefly"],
    # A phrase: in the title, then in the interview's body; "defenders of human rights" is not it.
    '"human rights defenders"': ["Human rights defenders at risk", "Yunus: a life in the courts"],
    # Words, not the phrase: the title holds all three words, then the other piece's title
    # holds one of them and its body the rest, then the interview's body.
    "human rights defenders": ["Human rights defenders at risk", "Defenders",
                               "Yunus: a life in the courts"],
    # Russian, stemmed: the title first, then the body.
    "журналист": ["Журналисты в суде", "Новости недели"],
    # Folded Azerbaijani: the title first, then a body that spells it without the dotless i.
    "Baki": ["Bakı gündəliyi", "From the capital"],
    # Equal texts but for a word: the newest first.
    "hearing adjourned": ["Court notes", "Court diary"],
    # Either word: the title before the body.
    "prison OR jail": ["Prison letters", "A visit"],
    # A speaker's name is found in the interview, and the title outranks it.
    "yunus": ["Yunus: a life in the courts"],
}


class RankingContract:
    def test_ten_queries_give_the_expected_order(self, ranked, ask):
        found = {query: titles(ask(query)) for query in EXPECTED}
        wrong = {query: order for query, order in found.items() if order != EXPECTED[query]}
        assert wrong == {}, "\n".join(f"{query}: {order}" for query, order in wrong.items())


class TestWhooshRanking(RankingContract):
    pytestmark = pytest.mark.config(CMS_SEARCH_BACKEND="whoosh")


class TestPostgresRanking(RankingContract):
    pytestmark = [pytest.mark.config(CMS_SEARCH_BACKEND="postgres"), ON_POSTGRES]
