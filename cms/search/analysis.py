"""Text analysis for the index: Unicode words, case and diacritic folding, stemming by language.

Folding maps every Latin letter to its bare form, Azerbaijani and Turkish letters
included (ə ı ş ç ğ ö ü, İ), so "Baki" finds "Bakı". The schwa is written "a" in the
usual transliteration ("Aliyev") and "e" in others, so a word with ə is indexed twice
at one position, as "aliyev" and "eliyev".
Other scripts keep their letters (Cyrillic й stays й); only ё becomes е, as Russian
readers type it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from functools import lru_cache

from whoosh.analysis import Analyzer, Filter, RegexTokenizer, StemFilter, Token
from whoosh.lang import stemmer_for_language

# Letters with no Unicode decomposition to a bare Latin letter.
SPECIAL = {"ə": "e", "ı": "i", "ø": "o", "ł": "l", "đ": "d", "ß": "ss", "æ": "ae", "œ": "oe",
           "þ": "th", "ð": "d", "ё": "е"}
WORD = r"\w+"
# Languages with their own stemmed fields; other languages are searched by folded words only.
STEMMED_LANGUAGES = ("en", "ru")


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    if char in SPECIAL:
        return SPECIAL[char]
    decomposed = unicodedata.normalize("NFKD", char)
    base = decomposed[0]
    if base.isascii() or "LATIN" in unicodedata.name(base, ""):
        return "".join(c for c in decomposed if not unicodedata.combining(c))
    return char


def fold(text: str) -> str:
    """Lower case without diacritics: "Əliyev" -> "aliyev", "İstanbul" -> "istanbul"."""
    lowered = text.lower()
    if lowered.isascii():
        return lowered
    return "".join(_fold_char(char) for char in lowered if not unicodedata.combining(char))


@lru_cache(maxsize=200_000)
def variants(word: str) -> tuple[str, ...]:
    """The folded forms of a word: two when it has a schwa ("aliyev", "eliyev"), else one.

    Cached: indexing asks for every word of every piece, and words repeat."""
    lowered = word.lower()
    if "ə" not in lowered:
        return (fold(lowered),)
    return (fold(lowered.replace("ə", "a")), fold(lowered))


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
