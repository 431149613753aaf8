"""Matching over one Whoosh searcher with bit sets and score arrays, cached for its lifetime.

Whoosh scores every matching document in pure Python and counts facets hit by hit; when
a common word is in 8,000 of 10,000 pieces that is most of a search. Here a set of
documents is a Python int used as a bit set (AND, OR, AND NOT and counting are single
C operations on 1.25 KB for 10,000 pieces). A clause's postings are read once into such
a set and a dense array of BM25F scores (Whoosh's formula, from the same weights and
field lengths), facets are one set per value, the date filter one set per "now".
A refreshed searcher gets a new, empty cache: nothing here can be stale.
"""

from __future__ import annotations

import bisect
import heapq
import threading
from array import array
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import accumulate
from typing import Any

from whoosh.query import Phrase
from whoosh.reading import TermNotFound
from whoosh.searching import Searcher

B, K1 = 0.75, 1.2  # whoosh.scoring.BM25F defaults
CLAUSES_KEPT = 512  # clause sets and score arrays per searcher (4 bytes a piece each)
_BLOCK_API = ("_data", "_read_data", "_byteids", "_blocklength", "_next_block")
_BITS = tuple(tuple(bit for bit in range(8) if byte >> bit & 1) for byte in range(256))


def members(mask: int) -> list[int]:
    """The document numbers in a bit set, ascending."""
    found: list[int] = []
    for index, byte in enumerate(mask.to_bytes((mask.bit_length() + 7) // 8, "little")):
        if byte:
            base = index * 8
            found.extend([base + bit for bit in _BITS[byte]])
    return found


def index_time(moment: datetime) -> str:
    """A naive UTC time as text that sorts as the times do: how end dates are indexed."""
    return moment.isoformat(timespec="microseconds")


def bitset(size: int, docnums: Iterable[int]) -> int:
    flags = bytearray((size + 8) // 8)
    for docnum in docnums:
        flags[docnum >> 3] |= 1 << (docnum & 7)
    return int.from_bytes(flags, "little")


def _read_blocks(matcher: Any, offset: int, ids: list[int], weights: list[float]) -> None:
    """Whoosh-Reloaded 2.7.5's block matcher read a block at a time (its own decoding runs a
    generator per posting): the pinned version's private attributes, checked by _BLOCK_API."""
    while matcher.is_active():
        if matcher._data is None:
            matcher._read_data()
        block_ids, block_weights = matcher._data[0], matcher._data[1]
        decoded = block_ids if matcher._byteids else accumulate(block_ids)
        ids.extend([docnum + offset for docnum in decoded] if offset else decoded)
        if block_weights is None or isinstance(block_weights, float):
            weights.extend([block_weights or 1.0] * matcher._blocklength)
        else:
            weights.extend(block_weights)
        matcher._next_block()


@dataclass(frozen=True)
class Alternative:
    """One way a clause matches: in `field`, every position has one of its forms (or, as a
    phrase, the first forms in order)."""

    field: str
    positions: tuple[tuple[str, ...], ...]
    phrase: bool = False


@dataclass(frozen=True)
class Matched:
    mask: int
    scores: array  # type: ignore[type-arg]  # float per document number


class MatchCache:
    """Bit sets and score arrays of one searcher; safe to share between threads."""

    def __init__(self, searcher: Searcher, weights: dict[str, float] | None = None,
                 length_weights: dict[str, float] | None = None) -> None:
        self.searcher = searcher
        self.reader = searcher.reader()
        self.size = self.reader.doc_count_all()
        self.fields = frozenset(self.reader.schema.names())
        # Per field, what a match there is worth (1 for fields not named), applied after
        # BM25's saturation, so that a title word outweighs any number of body words; and
        # how much a long text is marked down (BM25's b; B for fields not named).
        self.weights = weights or {}
        self.length_weights = length_weights or {}
        self._lock = threading.Lock()
        self._clauses: OrderedDict[Any, Matched] = OrderedDict()
        self._norms: dict[str, list[float]] = {}
        self._facets: dict[str, dict[str, int]] = {}
        self._dates: tuple[list[Any], list[int]] | None = None
        self._before: dict[int, int] = {}
        self._ends: tuple[list[str], list[int]] | None = None
        self._ended: dict[int, int] = {}
        self._rank: list[int] | None = None
        self._live: int | None = None

    # --- Reading postings ----------------------------------------------------------------------

    def _postings(self, field: str, text: str) -> tuple[list[int], list[float]]:
        """(document numbers, weights) of a term, segment by segment; Whoosh leaves deleted
        documents out."""
        ids: list[int] = []
        weights: list[float] = []
        for leaf, offset in self.reader.leaf_readers():
            try:
                matcher = leaf.postings(field, text)
            except TermNotFound:
                continue
            if all(hasattr(matcher, name) for name in _BLOCK_API):
                _read_blocks(matcher, offset, ids, weights)
                continue
            while matcher.is_active():
                ids.append(matcher.id() + offset)
                weights.append(matcher.weight())
                matcher.next()
        return ids, weights

    def _norm(self, field: str) -> list[float]:
        """K1 * (1 - b + b * length / average length) per document, as BM25 divides by."""
        norms = self._norms.get(field)
        if norms is None:
            average = self.searcher.avg_field_length(field) or 1
            length = self.reader.doc_field_length
            b = self.length_weights.get(field, B)
            norms = [K1 * ((1 - b) + b * (length(docnum, field) or 0) / average)
                     for docnum in range(self.size)]
            self._norms[field] = norms
        return norms

    def _add_term(self, field: str, text: str, scores: array) -> int:  # type: ignore[type-arg]
        ids, weights = self._postings(field, text)
        if not ids:
            return 0
        # An index may carry a boost in its postings (one built before weights were applied
        # here): the term's frequency is the weight without it.
        boost = getattr(self.reader.schema[field].format, "field_boost", 1.0) or 1.0
        factor = self.searcher.idf(field, text) * self.weights.get(field, 1.0) * (K1 + 1)
        norm = self._norm(field)
        for docnum, weight in zip(ids, weights, strict=True):
            frequency = weight / boost
            scores[docnum] += factor * frequency / (frequency + norm[docnum])
        return bitset(self.size, ids)

    def _add_phrase(self, field: str, words: Sequence[str], scores: array) -> int:  # type: ignore[type-arg]
        matcher = Phrase(field, list(words)).matcher(self.searcher, self.searcher.context())
        ids = []
        weight = self.weights.get(field, 1.0)
        while matcher.is_active():
            docnum = matcher.id()
            ids.append(docnum)
            scores[docnum] += weight * matcher.score()
            matcher.next()
        return bitset(self.size, ids)

    # --- Clauses, facets, dates ----------------------------------------------------------------

    def clause(self, key: Any, alternatives: Sequence[Alternative]) -> Matched:
        """The documents a clause matches and their scores, read once per searcher."""
        with self._lock:
            found = self._clauses.get(key)
            if found is not None:
                self._clauses.move_to_end(key)
                return found
        scores = array("f", bytes(4 * self.size))
        mask = 0
        for alternative in alternatives:
            if alternative.phrase:
                mask |= self._add_phrase(alternative.field, [forms[0] for forms in alternative.positions],
                                         scores)
                continue
            every = -1
            for forms in alternative.positions:
                one = 0
                for form in forms:
                    one |= self._add_term(alternative.field, form, scores)
                every &= one
            mask |= every if every != -1 else 0
        found = Matched(mask, scores)
        with self._lock:
            self._clauses[key] = found
            while len(self._clauses) > CLAUSES_KEPT:
                self._clauses.popitem(last=False)
        return found

    def facet(self, field: str) -> dict[str, int]:
        """Value -> bit set of the documents indexed with it."""
        values = self._facets.get(field)
        if values is None:
            values = {}
            for raw in self.reader.lexicon(field):
                key = raw.decode("utf-8") if isinstance(raw, bytes) else str(raw)
                ids, _ = self._postings(field, key)
                if key and ids:
                    values[key] = bitset(self.size, ids)
            self._facets[field] = values
        return values

    def _published(self) -> tuple[list[Any], list[int]]:
        if self._dates is None:
            column = list(self.reader.column_reader("published")) if self.size else []
            order = sorted((value, docnum) for docnum, value in enumerate(column) if value is not None)
            self._dates = ([value for value, _ in order], [docnum for _, docnum in order])
        return self._dates

    def published_by(self, now: datetime) -> int:
        """Documents published at or before `now`."""
        values, docnums = self._published()
        return self._first(self._before, docnums, bisect.bisect_right(values, now))

    def _first(self, masks: dict[int, int], docnums: list[int], count: int) -> int:
        """The bitset of the first `count` of `docnums` (sorted by a date), kept in `masks`."""
        mask = masks.get(count)
        if mask is None:
            mask = bitset(self.size, docnums[:count])
            if len(masks) > 64:
                masks.clear()
            masks[count] = mask
        return mask

    def ended_by(self, now: datetime) -> int:
        """Documents whose end date is at or before `now` (the `until` field, a sortable text
        time; an index built before it existed has none)."""
        if self._ends is None:
            order: list[tuple[str, int]] = []
            if "until" in self.reader.schema:
                for raw in self.reader.lexicon("until"):
                    key = raw.decode("utf-8") if isinstance(raw, bytes) else str(raw)
                    order += [(key, docnum) for docnum in self._postings("until", key)[0]]
            order.sort()
            self._ends = ([key for key, _ in order], [docnum for _, docnum in order])
        keys, docnums = self._ends
        return self._first(self._ended, docnums, bisect.bisect_right(keys, index_time(now)))

    def live(self) -> int:
        """Every document that is not deleted."""
        if self._live is None:
            self._live = bitset(self.size, self.reader.all_doc_ids())
        return self._live

    def date_rank(self) -> list[int]:
        """Per document number, its place in publication order."""
        if self._rank is None:
            rank = [0] * self.size
            for place, docnum in enumerate(self._published()[1]):
                rank[docnum] = place
            self._rank = rank
        return self._rank

    # --- Ranking -------------------------------------------------------------------------------

    def top(self, mask: int, count: int, by_date: bool,
            score_arrays: Sequence[array]) -> list[int]:  # type: ignore[type-arg]
        """The first `count` documents of a set, by relevance (ties: the newest first) or newest
        first (also when there is nothing to score)."""
        docnums = members(mask)
        rank = self.date_rank()
        if by_date or not score_arrays:
            return heapq.nlargest(count, docnums, key=rank.__getitem__)
        totals = list(map(score_arrays[0].__getitem__, docnums))
        for scores in score_arrays[1:]:
            get = scores.__getitem__
            totals = [total + get(docnum) for total, docnum in zip(totals, docnums, strict=True)]
        best = heapq.nlargest(count, range(len(docnums)), key=totals.__getitem__)
        if not best:
            return []
        floor = totals[best[-1]]  # every document that scores as well as the last one shown
        tied = [place for place, total in enumerate(totals) if total >= floor]
        tied.sort(key=lambda place: (totals[place], rank[docnums[place]]), reverse=True)
        return [docnums[place] for place in tied[:count]]
