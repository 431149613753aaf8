"""Folding shared by every engine and by comment screening: case and diacritics, by word.

Folding maps every Latin letter to its bare form, Azerbaijani and Turkish letters
included (ə ı ş ç ğ ö ü, İ), so "Baki" finds "Bakı". The schwa is written "a" in the
usual transliteration ("Aliyev") and "e" in others, so a word with ə is indexed twice
at one position, as "aliyev" and "eliyev".
Other scripts keep their letters (Cyrillic й stays й); only ё becomes е, as Russian
readers type it.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

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
