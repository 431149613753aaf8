"""The Whoosh backend: one index folder per generation under instance/search, and a pointer.

Writers take Whoosh's lock with a timeout (several workers wait their turn instead of
failing), then load what they write, so the last writer writes the latest state. Each
process keeps one searcher and refreshes it; a rebuild writes a new folder and swaps the
pointer while the old folder keeps answering.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask
from whoosh import index
from whoosh.index import FileIndex, LockError
from whoosh.searching import Searcher

from cms.database import utcnow
from cms.search import snippets
from cms.search.analysis import STEMMED_LANGUAGES
from cms.search.backend import (
    FACETS,
    FacetValue,
    Hit,
    Loader,
    SearchBackend,
    SearchRequest,
    SearchResults,
    SearchUnavailable,
)
from cms.search.documents import SearchDocument
from cms.search.querylang import Clause, ParsedQuery, corrected, parse, to_text
from cms.search.whoosh.matching import Alternative, MatchCache
from cms.search.whoosh.schema import (
    FACET_FIELDS,
    LENGTH_WEIGHTS,
    WEIGHTS,
    build_schema,
    stored_passages,
    whoosh_fields,
)

POINTER = "CURRENT"
KEEP_OLD_GENERATIONS = 1
# A rebuild analyses in this many processes, one segment each (kept, not merged: merging
# costs more than searching two segments).
REBUILD_PROCS = min(2, os.cpu_count() or 1)


class WhooshBackend(SearchBackend):
    name = "whoosh"

    def __init__(self, root: Path, lock_timeout: float = 10.0) -> None:
        self.root = Path(root)
        self.lock_timeout = lock_timeout
        self.schema = build_schema()
        self._ix: FileIndex | None = None
        self._ix_name: str | None = None
        self._searcher: Searcher | None = None
        self._cache: MatchCache | None = None
        self._lock = threading.RLock()

    @classmethod
    def from_app(cls, app: Flask) -> WhooshBackend:
        root = app.config.get("CMS_SEARCH_PATH") or Path(app.instance_path) / "search"
        return cls(Path(root), float(app.config["CMS_SEARCH_LOCK_TIMEOUT"]))

    # --- Generations ---------------------------------------------------------------------------

    def current_name(self) -> str | None:
        try:
            name = (self.root / POINTER).read_text().strip()
        except (FileNotFoundError, NotADirectoryError):
            return None
        return name if name and (self.root / name).is_dir() else None

    def _index(self) -> FileIndex | None:
        """The current generation, reopened when the pointer has moved."""
        with self._lock:
            name = self.current_name()
            if name is None:
                self.close()
                return None
            if name != self._ix_name:
                self.close()
                self._ix = index.open_dir(str(self.root / name))
                self._ix_name = name
            return self._ix

    def available(self) -> bool:
        return self.current_name() is not None

    def close(self) -> None:
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
            self._searcher = None
            self._cache = None
            self._ix = None
            self._ix_name = None

    @contextmanager
    def _creation_lock(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".generation.lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _new_generation(self) -> tuple[str, FileIndex]:
        self.root.mkdir(parents=True, exist_ok=True)
        name = f"index-{utcnow():%Y%m%dT%H%M%S%f}-{os.getpid()}-{threading.get_ident() % 10000}"
        path = self.root / name
        path.mkdir()
        return name, index.create_in(str(path), self.schema)

    def _point_to(self, name: str) -> None:
        """Swap the pointer, holding the old generation's write lock so no write lands there after."""
        old = self._index()
        lock = old.lock("WRITELOCK") if old is not None else None
        if lock is not None and not _acquire(lock, self.lock_timeout):
            raise TimeoutError("search: the old index stayed locked; not swapped")
        try:
            temporary = self.root / f"{POINTER}.{os.getpid()}.tmp"
            temporary.write_text(name + "\n")
            os.replace(temporary, self.root / POINTER)
        finally:
            if lock is not None:
                lock.release()
        self._remove_old_generations(keep=name)

    def _remove_old_generations(self, keep: str) -> None:
        generations = sorted(p for p in self.root.glob("index-*") if p.is_dir() and p.name != keep)
        for path in generations[: max(0, len(generations) - KEEP_OLD_GENERATIONS)]:
            shutil.rmtree(path, ignore_errors=True)

    def _writable_index(self) -> FileIndex:
        ix = self._index()
        if ix is not None:
            return ix
        with self._creation_lock():
            if self.current_name() is None:
                name, _ = self._new_generation()
                self._point_to(name)
        ix = self._index()
        assert ix is not None
        return ix

    # --- Writing -------------------------------------------------------------------------------

    def sync(self, piece_ids: Iterable[int], load: Loader) -> None:
        ids = sorted(set(piece_ids))
        if not ids:
            return
        while True:
            ix = self._writable_index()
            # The lock is ours, not the writer's: Whoosh takes it before creating its files
            # and keeps it when that fails (an unwritable folder), blocking every later write.
            lock = ix.lock("WRITELOCK")
            if not _acquire(lock, self.lock_timeout):
                raise LockError("search: the index stayed locked")
            try:
                if self.current_name() != self._ix_name:  # swapped while we waited: write the new one
                    continue
                writer = ix.writer(_lk=False)
                try:
                    for name in self.schema.names():  # an index built before this field
                        if name not in writer.schema:
                            writer.add_field(name, self.schema[name])
                    documents = load(ids)
                    for piece_id in ids:
                        document = documents.get(piece_id)
                        if document is None:
                            writer.delete_by_term("id", str(piece_id))
                        else:
                            writer.update_document(**whoosh_fields(document))
                except BaseException:
                    writer.cancel()
                    raise
                writer.commit()
                return
            finally:
                lock.release()

    def rebuild(self, documents: Iterable[SearchDocument],
                progress: Callable[[int], None] | None = None) -> int:
        with self._creation_lock():
            name, ix = self._new_generation()
            try:
                writer = ix.writer(limitmb=256, procs=REBUILD_PROCS, multisegment=REBUILD_PROCS > 1)
                written = 0
                for document in documents:
                    writer.add_document(**whoosh_fields(document))
                    written += 1
                    if progress:
                        progress(1)
                writer.commit(optimize=REBUILD_PROCS == 1)
            except BaseException:
                shutil.rmtree(self.root / name, ignore_errors=True)
                raise
            self._point_to(name)
        return written

    def document_ids(self) -> set[int]:
        ix = self._index()
        if ix is None:
            return set()
        with ix.searcher() as searcher:  # the id terms, not the stored fields (bodies included)
            reader = searcher.reader()
            ids = [term.decode() if isinstance(term, bytes) else term for term in reader.lexicon("id")]
            if reader.has_deletions():  # a deleted document's term stays until a merge
                ids = [term for term in ids if reader.postings("id", term).is_active()]
            return {int(term) for term in ids}

    # --- Reading -------------------------------------------------------------------------------

    def _current_searcher(self) -> tuple[Searcher, MatchCache]:
        with self._lock:
            ix = self._index()
            if ix is None:
                raise SearchUnavailable("no search index yet")
            if self._searcher is not None and not self._searcher.up_to_date():
                # Not Searcher.refresh(): in Whoosh-Reloaded 2.7.5 it keeps the replaced
                # segments (stale and deleted documents), and fails on an empty index.
                self._searcher.close()
                self._searcher = None
            if self._searcher is None or self._cache is None or self._cache.searcher is not self._searcher:
                self._searcher = self._searcher or ix.searcher()
                self._cache = MatchCache(self._searcher, WEIGHTS, LENGTH_WEIGHTS)
            return self._searcher, self._cache

    def search(self, request: SearchRequest) -> SearchResults:
        searcher, cache = self._current_searcher()
        parsed = parse(request.text)
        now = request.now or utcnow()
        shown_from = cache.live() & cache.published_by(now) & ~cache.ended_by(now)
        for name, key in request.filters.items():
            if name in FACET_FIELDS and key:
                shown_from &= cache.facet(FACET_FIELDS[name]).get(key, 0)
        scores: list[Any] = []
        if parsed.empty:
            mask = shown_from
        else:
            evaluated = self._evaluate(cache, parsed, scores)
            if evaluated is None:
                return SearchResults([], 0, 1, request.per_page)
            mask = evaluated & shown_from
        mask = _one_per_story(cache, mask, request.language)
        total = mask.bit_count()
        start = (request.page - 1) * request.per_page
        ranked = cache.top(mask, request.page * request.per_page, request.sort == "date", scores)
        query = snippets.Query(parsed)
        hits = [self._hit(searcher.stored_fields(docnum), query) for docnum in ranked[start:]]
        results = SearchResults(hits, total, request.page, request.per_page)
        for name in FACETS:
            sets = cache.facet(FACET_FIELDS[name])
            counted = ((key, (mask & docs).bit_count()) for key, docs in sets.items())
            values = [FacetValue(key, count) for key, count in counted if count]
            results.facets[name] = sorted(values, key=lambda v: (-v.count, v.key))
        if total == 0 and not parsed.empty:
            results.suggestion = self._suggest(searcher, cache, parsed, shown_from)
        return results

    def _hit(self, stored: dict[str, Any], query: snippets.Query) -> Hit:
        found = snippets.snippet(stored_passages(stored), query, stored["language"])
        return Hit(
            id=int(stored["id"]), kind=stored["kind"], slug=stored["slug"], title=stored["title"],
            language=stored["language"], published_at=stored["published"],
            campaign_title=stored.get("campaign_title", ""), snippet=found.html,
            speaker=found.speaker, anchor=found.anchor,
        )

    # --- Queries -------------------------------------------------------------------------------

    def _fields_for(self, clause: Clause) -> list[str]:
        if clause.scope == "speaker":
            return ["speakers"]
        titles = ["title", *(f"title_{lang}" for lang in STEMMED_LANGUAGES)]
        if clause.scope == "title":
            return titles if not clause.phrase else ["title"]
        if clause.phrase:
            return ["title", "lead", "words", "speakers"]
        return [*titles, "lead", *(f"lead_{lang}" for lang in STEMMED_LANGUAGES), "words", "speakers",
                *(f"stem_{lang}" for lang in STEMMED_LANGUAGES)]

    def _alternatives(self, clause: Clause, known: frozenset[str]) -> tuple[Alternative, ...]:
        """Per field of the index (`known`: one built before a field has not got it), the
        analysed forms of the clause by position."""
        found = []
        for name in self._fields_for(clause):
            if name not in known:
                continue
            by_position: dict[int, list[str]] = {}
            for token in self.schema[name].analyzer(clause.text, positions=True):  # one reused Token
                by_position.setdefault(token.pos, []).append(token.text)
            if by_position:
                forms = tuple(tuple(by_position[pos]) for pos in sorted(by_position))
                found.append(Alternative(name, forms, phrase=clause.phrase and len(forms) > 1))
        return tuple(found)

    def _evaluate(self, cache: MatchCache, parsed: ParsedQuery,
                  scores: list[Any] | None = None) -> int | None:
        """The bit set of the documents a query matches (None: nothing to search for);
        collects the score arrays of its clauses."""
        mask: int | None = None
        for group in parsed.groups:
            either: int | None = None
            for clause in group:
                alternatives = self._alternatives(clause, cache.fields)
                if not alternatives:
                    continue
                matched = cache.clause((clause.text, clause.phrase, clause.scope), alternatives)
                either = (either or 0) | matched.mask
                if scores is not None:
                    scores.append(matched.scores)
            if either is not None:
                mask = either if mask is None else mask & either
        if mask is None:
            return None
        for clause in parsed.excluded:
            alternatives = self._alternatives(clause, cache.fields)
            if alternatives:
                mask &= ~cache.clause((clause.text, clause.phrase, clause.scope), alternatives).mask
        return mask

    def _suggest(self, searcher: Searcher, cache: MatchCache, parsed: ParsedQuery,
                 shown_from: int) -> str | None:
        """The query with misspelt words corrected, if that query has results."""
        corrector = searcher.corrector("words")
        candidate = corrected(
            parsed, lambda text: [t.text for t in self.schema["words"].analyzer(text)],
            lambda word, scope: self._finds(cache, word, scope, shown_from),
            lambda word: corrector.suggest(word, limit=5, maxdist=2))
        if candidate is None:
            return None
        matched = self._evaluate(cache, candidate)
        if matched is None or not matched & shown_from:
            return None
        return to_text(candidate)

    def _finds(self, cache: MatchCache, word: str, scope: str | None, shown_from: int) -> bool:
        """Whether `word` alone matches a document readers may see now."""
        found = self._evaluate(cache, ParsedQuery([[Clause(word, False, scope)]], []))
        return bool(found is not None and found & shown_from)


def _acquire(lock: Any, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while not lock.acquire(blocking=False):
        if time.monotonic() >= end:
            return False
        time.sleep(0.02)
    return True


def _one_per_story(cache: MatchCache, mask: int, language: str) -> int:
    """Of each story found in several languages, one document: the one in `language`, else
    the original, else the first. Only stories with translations are looked at (an index built
    before translations has none: nothing changes)."""
    translations = cache.facet("translation_of") if "translation_of" in cache.reader.schema else {}
    if not translations:
        return mask
    ids = cache.facet("id")
    preferred = cache.facet("language").get(language, 0) if language else 0
    for original, docs in translations.items():
        found = (docs | ids.get(original, 0)) & mask
        if found & (found - 1) == 0:  # none, or one
            continue
        keep = found & preferred or found & ids.get(original, 0) or found
        keep &= -keep  # its lowest document number: one
        mask &= ~(found & ~keep)
    return mask
