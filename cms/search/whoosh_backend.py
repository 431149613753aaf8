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
from whoosh import index, sorting
from whoosh.fields import DATETIME, ID, KEYWORD, STORED, TEXT, Schema
from whoosh.index import FileIndex, LockError
from whoosh.query import And, AndNot, DateRange, Every, Or, Phrase, Query, Term
from whoosh.searching import Searcher

from cms.database import utcnow
from cms.search import snippets
from cms.search.analysis import STEMMED_LANGUAGES, folding_analyzer, stemming_analyzer
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
from cms.search.querylang import Clause, ParsedQuery, parse, to_text

POINTER = "CURRENT"
KEEP_OLD_GENERATIONS = 1
FACET_FIELDS = {"kind": "kind", "campaign": "campaign", "tag": "tags", "year": "year",
                "language": "language"}
TITLE_BOOST = 3.0


class _CachedOverlappingCategorizer(sorting.OverlappingCategorizer):
    """Whoosh rebuilds a segment's document -> tags lists on every search; keep them on the reader."""

    def set_searcher(self, segment_searcher: Any, docoffset: int) -> None:
        reader = segment_searcher.reader()
        attribute = f"_cms_lists_{self._fieldname}"
        cached = getattr(reader, attribute, None)
        if cached is None or self._use_vectors or self._use_column:
            super().set_searcher(segment_searcher, docoffset)
            setattr(reader, attribute, self._lists)
        else:
            self._segment_searcher = segment_searcher
            self._lists = cached


class _OverlappingFacet(sorting.FieldFacet):
    def categorizer(self, global_searcher: Any) -> sorting.Categorizer:
        return _CachedOverlappingCategorizer(global_searcher, self.fieldname)


def build_schema() -> Schema:
    fold = folding_analyzer()
    fields: dict[str, Any] = {
        "id": ID(stored=True, unique=True),
        "kind": ID(stored=True, sortable=True),
        "slug": STORED(),
        "language": ID(stored=True, sortable=True),
        "year": ID(sortable=True),
        "campaign": ID(sortable=True),
        "campaign_title": STORED(),
        "tags": KEYWORD(commas=True, scorable=False),
        "published": DATETIME(stored=True, sortable=True),
        "title": TEXT(analyzer=fold, stored=True, field_boost=TITLE_BOOST),
        "words": TEXT(analyzer=fold),  # every word of every piece: phrases, suggestions
        "speakers": TEXT(analyzer=fold),
        "standfirst": STORED(),
        "body": STORED(),
        "turns": STORED(),
    }
    for language in STEMMED_LANGUAGES:
        stem = stemming_analyzer(language)
        fields[f"stem_{language}"] = TEXT(analyzer=stem, phrase=False)
        fields[f"title_{language}"] = TEXT(analyzer=stem, phrase=False, field_boost=TITLE_BOOST)
    return Schema(**fields)


def stem_language(language: str) -> str | None:
    base = (language or "").split("-")[0].lower()
    return base if base in STEMMED_LANGUAGES else None


def whoosh_fields(doc: SearchDocument) -> dict[str, Any]:
    text = "\n".join([doc.title, doc.standfirst, doc.body, *(t for _, t in doc.turns)])
    fields: dict[str, Any] = {
        "id": str(doc.id), "kind": doc.kind, "slug": doc.slug, "language": doc.language,
        "year": str(doc.published_at.year), "campaign": str(doc.campaign_id or ""),
        "campaign_title": doc.campaign_title, "tags": ",".join(slug for slug, _ in doc.tags),
        "published": doc.published_at, "title": doc.title, "words": text,
        "speakers": "\n".join(doc.speakers), "standfirst": doc.standfirst, "body": doc.body,
        "turns": list(doc.turns),
    }
    language = stem_language(doc.language)
    if language:
        fields[f"stem_{language}"] = text
        fields[f"title_{language}"] = doc.title
    return fields


class WhooshBackend(SearchBackend):
    name = "whoosh"

    def __init__(self, root: Path, lock_timeout: float = 10.0) -> None:
        self.root = Path(root)
        self.lock_timeout = lock_timeout
        self.schema = build_schema()
        self._ix: FileIndex | None = None
        self._ix_name: str | None = None
        self._searcher: Searcher | None = None
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
                writer = ix.writer(limitmb=128)
                written = 0
                for document in documents:
                    writer.add_document(**whoosh_fields(document))
                    written += 1
                    if progress:
                        progress(1)
                writer.commit(optimize=True)
            except BaseException:
                shutil.rmtree(self.root / name, ignore_errors=True)
                raise
            self._point_to(name)
        return written

    def document_ids(self) -> set[int]:
        ix = self._index()
        if ix is None:
            return set()
        with ix.searcher() as searcher:
            return {int(fields["id"]) for fields in searcher.all_stored_fields()}

    # --- Reading -------------------------------------------------------------------------------

    def _current_searcher(self) -> Searcher:
        with self._lock:
            ix = self._index()
            if ix is None:
                raise SearchUnavailable("no search index yet")
            if self._searcher is not None and not self._searcher.up_to_date():
                # Not Searcher.refresh(): in Whoosh-Reloaded 2.7.5 it keeps the replaced
                # segments (stale and deleted documents), and fails on an empty index.
                self._searcher.close()
                self._searcher = None
            if self._searcher is None:
                self._searcher = ix.searcher()
            return self._searcher

    def search(self, request: SearchRequest) -> SearchResults:
        searcher = self._current_searcher()
        parsed = parse(request.text)
        query = self._query(parsed) if not parsed.empty else Every()
        if query is None:
            return SearchResults([], 0, 1, request.per_page)
        conditions: list[Query] = [DateRange("published", None, request.now or utcnow())]
        for name, key in request.filters.items():
            if name in FACET_FIELDS and key:
                conditions.append(Term(FACET_FIELDS[name], key))
        date_filter = And(conditions)
        facets = sorting.Facets()
        for name in FACETS:
            field = FACET_FIELDS[name]
            if name == "tag":
                facets.add_facet(field, _OverlappingFacet(field, allow_overlap=True, maptype=sorting.Count))
            else:
                facets.add_field(field, maptype=sorting.Count)
        by_date = request.sort == "date"
        found = searcher.search(
            query, limit=request.page * request.per_page, filter=date_filter, groupedby=facets,
            sortedby="published" if by_date else None, reverse=by_date, terms=True,
        )
        total = len(found)
        start = (request.page - 1) * request.per_page
        shown = range(start, min(start + request.per_page, found.scored_length()))
        typed = [("words", word) for group in parsed.groups for clause in group
                 if clause.scope != "speaker" for word in variants_of(clause.text)]
        page = [found[i] for i in shown]
        terms = {term for hit in page for term in (hit.matched_terms() if found.has_matched_terms() else [])}
        marker = snippets.Marker([*terms, *typed])
        hits = [self._hit(hit, marker) for hit in page]
        results = SearchResults(hits, total, request.page, request.per_page)
        for name in FACETS:
            counts = found.groups(FACET_FIELDS[name])
            values = [FacetValue(_key(key), count) for key, count in counts.items() if _key(key)]
            results.facets[name] = sorted(values, key=lambda v: (-v.count, v.key))
        if total == 0 and not parsed.empty:
            results.suggestion = self._suggest(searcher, parsed, date_filter)
        return results

    def _hit(self, hit: Any, marker: snippets.Marker) -> Hit:
        stored = hit.fields()
        snippet, speaker = snippets.snippet(stored, marker)
        return Hit(
            id=int(stored["id"]), kind=stored["kind"], slug=stored["slug"], title=stored["title"],
            language=stored["language"], published_at=stored["published"],
            campaign_title=stored.get("campaign_title", ""), snippet=snippet, speaker=speaker,
        )

    # --- Queries -------------------------------------------------------------------------------

    def _fields_for(self, clause: Clause) -> list[str]:
        if clause.scope == "speaker":
            return ["speakers"]
        titles = ["title", *(f"title_{lang}" for lang in STEMMED_LANGUAGES)]
        if clause.scope == "title":
            return titles if not clause.phrase else ["title"]
        if clause.phrase:
            return ["title", "words", "speakers"]
        return [*titles, "words", "speakers", *(f"stem_{lang}" for lang in STEMMED_LANGUAGES)]

    def _clause_query(self, clause: Clause) -> Query | None:
        alternatives: list[Query] = []
        for name in self._fields_for(clause):
            by_position: dict[int, list[str]] = {}
            for token in self.schema[name].analyzer(clause.text, positions=True):  # one reused Token
                by_position.setdefault(token.pos, []).append(token.text)
            if not by_position:
                continue
            forms = [by_position[pos] for pos in sorted(by_position)]
            if clause.phrase and len(forms) > 1:
                alternatives.append(Phrase(name, [group[0] for group in forms]))
            else:
                alternatives.append(And([Or([Term(name, form) for form in group]) for group in forms]))
        return Or(alternatives) if alternatives else None

    def _query(self, parsed: ParsedQuery) -> Query | None:
        required: list[Query] = []
        for group in parsed.groups:
            options = [q for q in (self._clause_query(c) for c in group) if q is not None]
            if options:
                required.append(Or(options))
        if not required:
            return None
        query: Query = And(required)
        excluded = [q for q in (self._clause_query(c) for c in parsed.excluded) if q is not None]
        if excluded:
            query = AndNot(query, Or(excluded))
        return query.normalize()

    def _suggest(self, searcher: Searcher, parsed: ParsedQuery, date_filter: Query) -> str | None:
        """The query with misspelt words corrected, if that query has results."""
        corrector = searcher.corrector("words")
        reader = searcher.reader()
        changed = False
        groups: list[list[Clause]] = []
        for group in parsed.groups:
            fixed: list[Clause] = []
            for clause in group:
                if clause.scope == "speaker":
                    fixed.append(clause)
                    continue
                words = [t.text for t in self.schema["words"].analyzer(clause.text)]
                corrected = []
                for word in words:
                    if len(word) > 2 and not reader.frequency("words", word):
                        guesses = corrector.suggest(word, limit=1, maxdist=2)
                        if guesses:
                            word, changed = guesses[0], True
                    corrected.append(word)
                fixed.append(Clause(" ".join(corrected), clause.phrase, clause.scope))
            groups.append(fixed)
        if not changed:
            return None
        candidate = ParsedQuery(groups, parsed.excluded)
        query = self._query(candidate)
        if query is None or searcher.search(query, limit=1, filter=date_filter).is_empty():
            return None
        return to_text(candidate)


def variants_of(text: str) -> list[str]:
    return [token.text for token in folding_analyzer()(text)]


def _key(value: Any) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8")
    return "" if value is None else str(value)


def _acquire(lock: Any, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while not lock.acquire(blocking=False):
        if time.monotonic() >= end:
            return False
        time.sleep(0.02)
    return True
