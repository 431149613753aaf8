"""What holds a new comment back as spam: blocked words and phrases, and too many links.

Entries match whole words after the folding search uses (case, diacritics, Azerbaijani and
Turkish letters; no stemming): "ass" holds "Ass!" but not "The embassy staff", "bakı" holds
"Baki". A phrase matches its words in a row, whatever the spacing between them; a trailing
`*` makes the last word a prefix ("embass*"). Pure functions: the services read the entries
and the settings.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from cms.search.analysis import WORD, variants

_WORD = re.compile(WORD)
LINK = re.compile(r"(?:https?://|\bwww\.)\S*", re.IGNORECASE)


@dataclass(frozen=True)
class Entry:
    """One blocked entry: its folded words, the last one perhaps a prefix; as the admin typed it."""

    typed: str
    words: tuple[frozenset[str], ...]
    prefix: bool

    def matches_at(self, text: list[frozenset[str]], start: int) -> bool:
        """Whether the words of `text` from `start` on are this entry's."""
        if start + len(self.words) > len(text):
            return False
        *whole, last = self.words
        if any(not wanted & found for wanted, found in zip(whole, text[start:], strict=False)):
            return False
        found = text[start + len(whole)]
        if self.prefix:
            return any(word.startswith(form) for form in last for word in found)
        return bool(last & found)


def _visible(text: str) -> str:
    """The text without what splits a word unseen: format characters (zero-width joiners and
    spaces, soft hyphens, direction marks) and combining marks left over after composing
    ("i" + dot above, a strike-through), so "as\u200bs" and "a\u00adss" read "ass"."""
    composed = unicodedata.normalize("NFC", text)
    return "".join(char for char in composed if unicodedata.category(char) not in {"Cf", "Mn", "Me"})


def folded_words(text: str) -> list[frozenset[str]]:
    """Each word of `text` as its folded forms (two for a word with a schwa)."""
    return [frozenset(variants(word)) for word in _WORD.findall(_visible(text))]


def problem(typed: str) -> str | None:
    """Why an entry cannot be used as typed, or None: it must hold a word, and `*` may only
    end its last word."""
    if not folded_words(typed):
        return f"“{typed}” has no letter or digit to match."
    star = typed.find("*")
    if star != -1 and (star != len(typed.rstrip()) - 1 or not _WORD.match(typed[star - 1:star])):
        return f"“{typed}”: * may only end a word, as in “embass*”."
    return None


def entry(typed: str) -> Entry | None:
    """An entry as the admin typed it; None when it holds no word to match."""
    words = folded_words(typed)
    if not words:
        return None
    return Entry(typed, tuple(words), typed.rstrip().endswith("*"))


class Blocklist:
    """The entries, found by their first word: a comment is read once, whatever their number."""

    def __init__(self, entries: Iterable[str]) -> None:
        self.by_first_word: dict[str, list[Entry]] = {}
        self.by_prefix: dict[str, list[Entry]] = {}  # entries of one word, a prefix
        for found in filter(None, map(entry, entries)):
            index = self.by_prefix if found.prefix and len(found.words) == 1 else self.by_first_word
            for form in found.words[0]:
                index.setdefault(form, []).append(found)

    def _candidates(self, forms: frozenset[str]) -> list[Entry]:
        """The entries that may start at a word of these forms."""
        found = [e for form in forms for e in self.by_first_word.get(form, ())]
        if self.by_prefix:
            found += [e for form in forms for end in range(1, len(form) + 1)
                      for e in self.by_prefix.get(form[:end], ())]
        return found

    def first_in(self, *texts: str) -> str | None:
        """The first entry (as typed) that one of `texts` holds, or None. Each text is read on
        its own: a phrase never spans two texts."""
        for text in texts:
            words = folded_words(text)
            for start, forms in enumerate(words):
                for candidate in self._candidates(forms):
                    if candidate.matches_at(words, start):
                        return candidate.typed
        return None


def link_count(text: str) -> int:
    """The links in a text: each http://, https:// or www. address once."""
    return len(LINK.findall(text))
