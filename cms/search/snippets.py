"""Snippets: the passage of a hit that holds the most of the query, escaped, with <mark>s.

A passage is a paragraph, a list item or an interview's turn (SearchDocument's
snippet_passages). Within one, a window of sentences (at most LENGTH words; a longer
sentence is cut around its match) is chosen by the rule the search page promises: the most
distinct query terms, then the most hits, then the earliest. A phrase is one term, marked
whole; its words alone are not marked. A `speaker:` clause counts for the turns of that
speaker. Every engine uses this module: it reads the query and the text, never an index.

It runs for every hit shown, so it reads a piece at C speed: one regular expression finds
the words that could be the query's (those that begin as one of its words or stems would,
accents and case aside), and only those are looked at in Python.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate

from markupsafe import Markup, escape
from whoosh.lang import porter, stemmer_for_language

from cms.articles.models import Passage
from cms.search.analysis import STEMMED_LANGUAGES, fold, variants
from cms.search.querylang import ParsedQuery

WORDS = re.compile(r"\w+")
WORD_CHAR = re.compile(r"\w")
SEPARATOR = "\x1e"  # between passages read as one text (no stored text holds a control character)
# Where a sentence ends: its mark (a closing quote may follow), then a space; or a line break.
BREAK = re.compile(r"[.!?…;:][\"'’”»)]?\s+|\n+")
BEFORE = 8  # words shown before a match cut out of a long sentence
LENGTH = 36  # words in a snippet at most
PREFIX = 3  # letters of a query word that a candidate word must begin with (folded)
SCAN_CHARS = 60_000  # a snippet is looked for in the first passages up to this many characters
Slots = frozenset[tuple[int, int]]  # (term, position in the term) a word can fill
Hit = tuple[int, int, int]  # (first character, after the last, term)


@lru_cache(maxsize=8)
def _stem(language: str) -> Callable[[str], str]:
    stem = stemmer_for_language(language) if language != "en" else porter.stem
    return lru_cache(maxsize=20_000)(stem)


@lru_cache(maxsize=1)
def _folding_to() -> dict[str, str]:
    """Each folded letter -> the letters that fold to it (Latin with diacritics, ə, ı, ё)."""
    found: dict[str, set[str]] = {}
    for code in [*range(0xC0, 0x250), 0x259, *range(0x1E00, 0x1F00), 0x401, 0x451]:
        char = chr(code)
        if not unicodedata.category(char).startswith("L"):
            continue
        for folded in {fold(char), *variants(char)}:  # ə folds to e, and is written a too
            if len(folded) == 1 and folded != char.lower():
                found.setdefault(folded, set()).add(char)
    return {letter: "".join(sorted(chars)) for letter, chars in found.items()}


def _letter(letter: str) -> str:
    """A regular expression for one folded letter as a text may write it (any case)."""
    others = _folding_to().get(letter, "")
    return f"[{re.escape(letter + others)}]" if others else re.escape(letter)


@dataclass(frozen=True)
class Snippet:
    html: Markup
    speaker: str = ""  # who says it, for an interview's turn
    anchor: str = ""  # the id of its passage on the page ("" for the top)


class Query:
    """A parsed query as snippets read it: terms of one or more word positions (a word, or a
    phrase), each position a set of folded forms, and the speakers asked for."""

    def __init__(self, parsed: ParsedQuery) -> None:
        words: list[tuple[frozenset[str], ...]] = []
        self.speakers: list[frozenset[str]] = []
        for group in parsed.groups:
            for clause in group:
                forms = [frozenset(variants(m.group())) for m in WORDS.finditer(clause.text)]
                if not forms:
                    continue
                if clause.scope == "speaker":
                    self.speakers.append(frozenset().union(*forms))
                elif clause.phrase and len(forms) > 1:
                    words.append(tuple(forms))
                else:
                    words += [(form,) for form in forms]
        self.terms = list(dict.fromkeys(words))  # each term once, in the order typed
        self._matchers: dict[str, _Matcher] = {}

    def matcher(self, language: str) -> _Matcher:
        base = (language or "en").split("-")[0].lower()
        if base not in self._matchers:
            self._matchers[base] = _Matcher(self, base)
        return self._matchers[base]


class _Matcher:
    """Which term positions a word of a text in one language fills: by folded form, or by
    stem where the language is stemmed."""

    def __init__(self, query: Query, language: str) -> None:
        self.query = query
        self.lengths = [len(term) for term in query.terms]
        self.stem = _stem(language) if language in STEMMED_LANGUAGES else None
        self.forms: dict[str, set[tuple[int, int]]] = {}
        self.stems: dict[str, set[tuple[int, int]]] = {}
        for t, positions in enumerate(query.terms):
            for j, forms in enumerate(positions):
                for form in forms:
                    self.forms.setdefault(form, set()).add((t, j))
                    if self.stem is not None:
                        self.stems.setdefault(self.stem(form), set()).add((t, j))
        self._seen: dict[str, Slots] = {}
        self.prefixes = sorted({key[:PREFIX] for key in [*self.forms, *self.stems] if key}, reverse=True)
        self.candidates = re.compile(
            r"(?<!\w)(?:" + "|".join("".join(map(_letter, p)) for p in self.prefixes) + r")\w*",
            re.IGNORECASE) if self.prefixes else None
        self.ascii = all(prefix.isascii() for prefix in self.prefixes)

    def slots(self, word: str) -> Slots:
        found = self._seen.get(word)
        if found is None:
            filled: set[tuple[int, int]] = set()
            for form in variants(word):
                filled |= self.forms.get(form, set())
                if self.stem is not None:
                    filled |= self.stems.get(self.stem(form), set())
            found = self._seen[word] = frozenset(filled)
        return found

    def _words(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, word) of the words of `text` that begin as a query word may."""
        if self.candidates is None:
            return []
        if not (self.ascii and text.isascii()):
            return [(m.start(), m.end(), m.group()) for m in self.candidates.finditer(text)]
        lowered = text.lower()  # same offsets: ASCII
        found = []
        for prefix in self.prefixes:  # str.find runs far faster than a regular expression
            position = lowered.find(prefix)
            while position >= 0:
                if position == 0 or not WORD_CHAR.match(lowered, position - 1):
                    word = WORDS.match(text, position)
                    assert word is not None
                    found.append((position, word.end(), word.group()))
                position = lowered.find(prefix, position + 1)
        found.sort()
        return found

    def hits(self, text: str) -> list[Hit]:
        """Every match of a term in `text`, in order (a phrase within one passage)."""
        found = [(start, end, slots) for start, end, word in self._words(text)
                 if (slots := self.slots(word))]
        hits = []
        for i, (start, _, slots) in enumerate(found):
            for t, j in slots:
                last = i + self.lengths[t] - 1
                if j == 0 and (last == i or last < len(found) and all(
                        (t, k) in found[i + k][2] and _adjacent(text, found[i + k - 1][1], found[i + k][0])
                        for k in range(1, self.lengths[t]))):
                    hits.append((start, found[last][1], t))
        hits.sort()
        return hits

    def speaker_terms(self, speaker: str) -> frozenset[int]:
        """The speaker clauses a turn's speaker answers (numbered after the word terms)."""
        if not speaker or not self.query.speakers:
            return frozenset()
        said = {form for m in WORDS.finditer(speaker) for form in variants(m.group())}
        first = len(self.query.terms)
        return frozenset(first + n for n, forms in enumerate(self.query.speakers) if forms & said)


def _adjacent(text: str, end: int, start: int) -> bool:
    """Whether two words follow each other in one passage (nothing but spaces and marks between)."""
    return start - end < 8 and not WORDS.search(text, end, start) and SEPARATOR not in text[end:start]


def _words(text: str, start: int, end: int) -> int:
    """About how many words text[start:end] holds (passages have single spaces)."""
    return text.count(" ", start, end) + 1


def _sentence_start(text: str, position: int, low: int) -> int:
    """Where the sentence around `position` starts (not before `low`)."""
    reach = 200
    while True:  # back a little at a time: sentences are short, passages may not be
        begin = max(low, position - reach)
        ends = [found.end() for found in BREAK.finditer(text, begin, position)]
        if ends:
            return ends[-1]
        if begin == low:
            return low
        reach *= 4


def _sentence_end(text: str, position: int, high: int) -> int:
    """Where the sentence after the one at `position` starts (`high` if none does)."""
    found = BREAK.search(text, position, high)
    return found.end() if found is not None else high


def _after_words(text: str, start: int, count: int, end: int) -> int:
    """Where `count` words from `start` end (at most `end`)."""
    position = start
    for _ in range(count):
        found = text.find(" ", position + 1, end)
        if found < 0:
            return end
        position = found
    return position


def _before_words(text: str, position: int, count: int, start: int) -> int:
    """Where the word `count` words before `position` starts (not before `start`)."""
    for _ in range(count):
        found = text.rfind(" ", start, position - 1)
        if found < 0:
            return start
        position = found + 1
    return position


@dataclass(frozen=True)
class _Window:
    score: tuple[int, int]  # (distinct terms, hits)
    start: int  # first character
    end: int  # after the last character shown
    hits: tuple[Hit, ...]
    whole: bool  # ends at the end of a sentence


class _Scan:
    """One piece's passages as one text (SEPARATOR between them), and its hits."""

    def __init__(self, passages: list[Passage], matcher: _Matcher) -> None:
        self.passages = passages
        self.starts = list(accumulate((len(p.text) + 1 for p in passages[:-1]), initial=0))
        self.text = SEPARATOR.join(p.text for p in passages)
        self.hits = matcher.hits(self.text)

    def bounds(self, index: int) -> tuple[int, int]:
        start = self.starts[index]
        return start, start + len(self.passages[index].text)

    def window(self, hit: Hit, index: int, bonus: frozenset[int]) -> _Window:
        """From the start of the hit's sentence, whole sentences while they fit in LENGTH words;
        when they keep too few, or the sentence is too long, cut at LENGTH words (around the
        hit, BEFORE words before it, in a long sentence)."""
        text = self.text
        low, high = self.bounds(index)
        start = _sentence_start(text, hit[0], low)
        if _words(text, start, hit[1]) > LENGTH:
            start = _before_words(text, hit[0], BEFORE, start)
        end, whole, position = start, False, hit[1]
        while position < high:
            following = _sentence_end(text, position, high)
            if _words(text, start, following - 1) > LENGTH:
                break
            end, whole, position = following, True, following
        if not whole or (_words(text, start, end) < LENGTH // 2 and end < high):
            end = _after_words(text, start, LENGTH, high)
            whole = end == high
        first = bisect.bisect_left(self.hits, (start,))
        inside = tuple(h for h in self.hits[first:bisect.bisect_left(self.hits, (end,))] if h[1] <= end)
        return _Window((len({h[2] for h in inside} | bonus), len(inside)), start, end, inside, whole)

    def render(self, window: _Window, index: int) -> Markup:
        """The window's text, hits marked (overlapping ones as one), cuts shown by "…"."""
        low, high = self.bounds(index)
        marks: list[list[int]] = []
        for begin, finish, _ in window.hits:
            if marks and begin <= marks[-1][1]:
                marks[-1][1] = max(marks[-1][1], finish)
            else:
                marks.append([begin, finish])
        text = self.text
        last = window.start + len(text[window.start:window.end].rstrip())
        out = [Markup("…") if window.start > low else Markup("")]
        position = window.start
        for begin, finish in marks:
            out += [escape(text[position:begin]), Markup("<mark>%s</mark>") % text[begin:finish]]
            position = finish
        out.append(escape(text[position:last]))
        if window.end < high:
            out.append(Markup(" …") if window.whole else Markup("…"))
        return Markup("").join(out)


def _read(passages: Iterable[Passage]) -> list[Passage]:
    """The passages up to SCAN_CHARS characters (a very long piece is not read to its end)."""
    chosen: list[Passage] = []
    size = 0
    for passage in passages:
        if size > SCAN_CHARS:
            break
        chosen.append(passage)
        size += len(passage.text) + 1
    return chosen


def snippet(passages: Iterable[Passage], query: Query, language: str) -> Snippet:
    """The best window of the best passage; without any match, the opening of the first."""
    chosen = _read(passages)
    if not chosen:
        return Snippet(Markup(""))
    matcher = query.matcher(language)
    scan = _Scan(chosen, matcher)
    candidates: dict[int, list[Hit]] = {}
    for hit in scan.hits:
        candidates.setdefault(bisect.bisect_right(scan.starts, hit[0]) - 1, []).append(hit)
    for index, passage in enumerate(chosen):
        if passage.speaker and index not in candidates and matcher.speaker_terms(passage.speaker):
            candidates[index] = [(scan.starts[index], scan.starts[index], -1)]
    best: tuple[tuple[int, int], int, _Window] | None = None
    bounds = {index: (len({h[2] for h in hits} | matcher.speaker_terms(chosen[index].speaker)),
                      len(hits)) for index, hits in candidates.items()}
    for index in sorted(candidates, key=lambda i: (bounds[i], -i), reverse=True):
        if best is not None and (bounds[index], -index) < (best[0], -best[1]):
            break  # no window of this passage, or of any after it, can do better
        bonus = matcher.speaker_terms(chosen[index].speaker)
        covered = -1
        for hit in candidates[index]:
            if hit[1] <= covered:
                continue  # in the window of an earlier hit
            window = scan.window(hit, index, bonus)
            covered = window.end
            if best is None or (window.score, -index) > (best[0], -best[1]):
                best = (window.score, index, window)
    if best is None:
        return Snippet(scan.render(scan.window((0, 0, -1), 0, frozenset()), 0), chosen[0].speaker)
    _, index, window = best
    return Snippet(scan.render(window, index), chosen[index].speaker, chosen[index].anchor)
