"""Whoosh analyzers: Unicode words, folded as cms/search/analysis.py folds them, stemmed by language."""

from __future__ import annotations

from collections.abc import Iterator

from whoosh.analysis import Analyzer, Filter, RegexTokenizer, StemFilter, Token
from whoosh.lang import stemmer_for_language

from cms.search.analysis import WORD, variants


class FoldFilter(Filter):
    """Case and diacritic folding of every token; a schwa gives a second token at its position."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for token in tokens:
            forms = variants(token.text)
            token.text = forms[0]
            if len(forms) == 1:
                yield token
                continue
            original = token.copy()
            yield token
            for form in forms[1:]:
                extra = original.copy()
                extra.text = form
                yield extra


def folding_analyzer() -> Analyzer:
    """Words, folded: for titles, speakers, phrases and spelling suggestions."""
    return RegexTokenizer(WORD) | FoldFilter()


def stemming_analyzer(language: str) -> Analyzer:
    """Words, folded, then stemmed by the snowball stemmer of `language`."""
    if language == "en":
        return RegexTokenizer(WORD) | FoldFilter() | StemFilter(lang="en")
    return RegexTokenizer(WORD) | FoldFilter() | StemFilter(stemfn=stemmer_for_language(language))


def words(text: str) -> list[str]:
    """The folded words of a text, as the index sees them."""
    return [token.text for token in folding_analyzer()(text)]
