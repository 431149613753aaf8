"""Snippets: the passage of a hit that holds the most of the query, escaped, with <mark>s.

A passage is a paragraph, a list item or an interview's turn (SearchDocument's
snippet_passages). Within one, a window of sentences (at most LENGTH words; a longer
sentence is cut around its match) is chosen by the rule the search page promises: the most
distinct query terms, then the most hits, then the earliest. A phrase is one term, marked
whole; its words alone are not marked. A `speaker:` clause counts for the turns of that
speaker. Every engine uses this module: it reads the query and the text, never an index.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from markupsafe import Markup, escape
from whoosh.lang import porter, stemmer_for_language

from cms.articles.models import Passage
from cms.search.analysis import STEMMED_LANGUAGES, variants
from cms.search.querylang import ParsedQuery

WORDS = re.compile(r"\w+")
SENTENCE_END = re.compile(r"[.!?…;:]|\n")  # between two words: the second starts a sentence
BEFORE = 8  # words shown before a match cut out of a long sentence
LENGTH = 36  # words in a snippet at most
Slots = frozenset[tuple[int, int]]  # (term, position in the term) a word can fill


@lru_cache(maxsize=8)
def _stem(language: str) -> Callable[[str], str]:
    stem = stemmer_for_language(language) if language != "en" else porter.stem
    return lru_cache(maxsize=20_000)(stem)


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

    def speaker_terms(self, speaker: str) -> frozenset[int]:
        """The speaker clauses a turn's speaker answers (numbered after the word terms)."""
        if not speaker or not self.query.speakers:
            return frozenset()
        said = {form for m in WORDS.finditer(speaker) for form in variants(m.group())}
        first = len(self.query.terms)
        return frozenset(first + n for n, forms in enumerate(self.query.speakers) if forms & said)


@dataclass(frozen=True)
class _Window:
    score: tuple[int, int]  # (distinct terms, hits)
    start: int  # first word
    end: int  # after the last word
    spans: tuple[tuple[int, int], ...]  # words of each hit in it: [a, b)


def _hits(words: Sequence[str], matcher: _Matcher) -> list[tuple[int, int, int]]:
    """(first word, after the last word, term) of every match of a term, in order."""
    lengths = [len(term) for term in matcher.query.terms]
    slots = [matcher.slots(word) for word in words]
    found = []
    for i, here in enumerate(slots):
        for t, j in here:
            end = i + lengths[t]
            if j == 0 and end <= len(words) and all((t, k) in slots[i + k] for k in range(1, lengths[t])):
                found.append((i, end, t))
    found.sort()
    return found


def _sentence_starts(text: str, spans: Sequence[tuple[int, int]]) -> list[int]:
    """The words that begin a sentence (the first always does)."""
    starts = [0]
    for i in range(1, len(spans)):
        if SENTENCE_END.search(text, spans[i - 1][1], spans[i][0]):
            starts.append(i)
    return starts


def _window(first: int, last: int, count: int, starts: list[int]) -> tuple[int, int]:
    """Words [start, end) around words first..last: from the start of their sentence when it
    fits, ending at a sentence end when that keeps enough words."""
    sentence = starts[bisect.bisect_right(starts, first) - 1]
    start = sentence if last - sentence < LENGTH else max(sentence, first - BEFORE)
    end = min(count, start + LENGTH)
    if end < count:
        place = bisect.bisect_right(starts, end) - 1
        if starts[place] >= max(last + 1, start + LENGTH // 2):
            end = starts[place]
    return start, end


def _best_window(text: str, matcher: _Matcher, bonus: frozenset[int]) -> tuple[_Window, list] | None:
    spans = [m.span() for m in WORDS.finditer(text)]
    words = [text[a:b] for a, b in spans]
    if not any(matcher.slots(word) for word in set(words)):
        if not bonus:
            return None
        hits: list[tuple[int, int, int]] = []
    else:
        hits = _hits(words, matcher)
    starts = _sentence_starts(text, spans)
    best: _Window | None = None
    for first, last, _ in hits or [(0, 1, -1)]:
        start, end = _window(first, last - 1, len(words), starts)
        inside = [(a, b, t) for a, b, t in hits if a >= start and b <= end]
        score = (len({t for _, _, t in inside} | bonus), len(inside))
        if best is None or score > best.score:
            best = _Window(score, start, end, tuple((a, b) for a, b, _ in inside))
    assert best is not None
    return best, spans


def _render(text: str, spans: Sequence[tuple[int, int]], window: _Window) -> Markup:
    """The window's words, the text between them kept, hits marked (overlapping ones as one)."""
    if not spans:
        return Markup("")
    marks: list[list[int]] = []
    for a, b in sorted(window.spans):
        begin, finish = spans[a][0], spans[b - 1][1]
        if marks and begin <= marks[-1][1]:
            marks[-1][1] = max(marks[-1][1], finish)
        else:
            marks.append([begin, finish])
    position = spans[window.start][0] if window.start else 0
    out = [Markup("…") if window.start else Markup("")]
    for begin, finish in marks:
        out += [escape(text[position:begin]), Markup("<mark>%s</mark>") % text[begin:finish]]
        position = finish
    last = spans[window.end - 1][1]
    out.append(escape(text[position:last]))
    if window.end < len(spans):
        gap = text[last:spans[window.end][0]].strip()
        out.append(escape(gap[:1]) + Markup(" …") if SENTENCE_END.match(gap) else Markup("…"))
    else:
        out.append(escape(text[last:].rstrip()))
    return Markup("").join(out)


def snippet(passages: Iterable[Passage], query: Query, language: str) -> Snippet:
    """The best window of the best passage; without any match, the opening of the first."""
    matcher = query.matcher(language)
    best: tuple[tuple[int, int], Passage, _Window, list] | None = None
    first: Passage | None = None
    for passage in passages:
        first = first or passage
        found = _best_window(passage.text, matcher, matcher.speaker_terms(passage.speaker))
        if found is not None and (best is None or found[0].score > best[0]):
            best = (found[0].score, passage, *found)
    if best is not None:
        _, passage, window, spans = best
        return Snippet(_render(passage.text, spans, window), passage.speaker, passage.anchor)
    if first is None:
        return Snippet(Markup(""))
    spans = [m.span() for m in WORDS.finditer(first.text)]
    start, end = _window(0, 0, len(spans), _sentence_starts(first.text, spans))
    return Snippet(_render(first.text, spans, _Window((0, 0), start, end, ())), first.speaker)
