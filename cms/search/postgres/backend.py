"""The PostgreSQL engine: search_documents and search_words, written in the transaction that
changes the piece (cms/search/hooks.py), searched with the database's full-text search.

Each piece is read by the text search configuration of its language (cms_english,
cms_russian, cms_simple for the others): title A, standfirst and tag names B, body and turns
C, speakers D. Nothing lives on an app server's disk, so every server sees every change at
once, and there is nothing to reconcile after a failure: the piece and its document are
written together or not at all.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from flask import Flask
from sqlalchemy import text
from sqlalchemy.engine import Connection

from cms.articles.models import Passage
from cms.database import utcnow
from cms.extensions import db
from cms.search import snippets
from cms.search.analysis import variants
from cms.search.backend import (
    FACETS,
    FacetValue,
    Hit,
    Loader,
    SearchBackend,
    SearchRequest,
    SearchResults,
)
from cms.search.documents import SearchDocument
from cms.search.postgres import querying
from cms.search.postgres.text import (
    STOPWORDS,
    WORD,
    config_for,
    document_text,
    match_query,
    rank_query,
)
from cms.search.querylang import Clause, ParsedQuery, corrected, parse, to_text

REBUILD_BATCH = 100
WORD_LENGTHS = range(3, 101)  # the words "Did you mean" may offer (search_words.word is 100 long)

UPSERT = text("""
    INSERT INTO search_documents (piece_id, kind, slug, title, language, config, published_at,
        unpublish_at, year, campaign_id, campaign_title, original_id, tags, passages, document, summary)
    SELECT :piece_id, :kind, :slug, :title, :language, :config, :published_at, :unpublish_at, :year,
           :campaign_id, :campaign_title, :original_id, CAST(:tags AS varchar(120)[]),
           CAST(:passages AS jsonb),
           v.document, cms_search_summary(v.document, CAST(:stopwords AS regdictionary))
    FROM (SELECT setweight(to_tsvector(CAST(:regconfig AS regconfig), :title_text), 'A')
              || setweight(to_tsvector(CAST(:regconfig AS regconfig), :lead_text), 'B')
              || setweight(to_tsvector(CAST(:regconfig AS regconfig), :speakers_text), 'D')
              || setweight(to_tsvector(CAST(:regconfig AS regconfig), :body_text), 'C')
              || array_to_tsvector(ARRAY[CAST(:marker AS text)]) AS document) AS v
    ON CONFLICT (piece_id) DO UPDATE SET
        kind = EXCLUDED.kind, slug = EXCLUDED.slug, title = EXCLUDED.title,
        language = EXCLUDED.language, config = EXCLUDED.config, published_at = EXCLUDED.published_at,
        unpublish_at = EXCLUDED.unpublish_at, year = EXCLUDED.year, campaign_id = EXCLUDED.campaign_id,
        campaign_title = EXCLUDED.campaign_title, original_id = EXCLUDED.original_id,
        tags = EXCLUDED.tags, passages = EXCLUDED.passages,
        document = EXCLUDED.document, summary = EXCLUDED.summary
""")
# In one order, so that two transactions adding the same new words cannot deadlock.
ADD_WORDS = text("INSERT INTO search_words (word) SELECT word FROM unnest(CAST(:words AS text[])) AS word "
                 "ORDER BY word ON CONFLICT DO NOTHING")


def _row(document: SearchDocument) -> dict[str, Any]:
    config = config_for(document.language)
    return {
        "piece_id": document.id, "kind": document.kind, "slug": document.slug, "title": document.title,
        "language": document.language, "config": config, "published_at": document.published_at,
        "unpublish_at": document.unpublish_at, "year": document.published_at.year,
        "campaign_id": document.campaign_id, "campaign_title": document.campaign_title,
        "original_id": document.original_id, "tags": [slug for slug, _ in document.tags],
        "passages": json.dumps([[p.text, p.anchor, p.speaker] for p in document.snippet_passages()]),
        "stopwords": STOPWORDS[config], "regconfig": f"cms_{config}", "marker": querying.marker(config),
        "title_text": document_text(document.title),
        "lead_text": document_text("\n".join([document.standfirst, *(name for _, name in document.tags)])),
        "speakers_text": document_text("\n".join(document.speakers)),
        "body_text": document_text("\n".join(p.text for p in document.passages)),
    }


def _words(document: SearchDocument) -> set[str]:
    """The folded words of a document, as "Did you mean" offers them."""
    every = "\n".join([document.text, *(name for _, name in document.tags), *document.speakers])
    return {form for word in set(WORD.findall(every)) for form in variants(word)
            if len(form) in WORD_LENGTHS and not form.isdigit()}


class PostgresBackend(SearchBackend):
    name = "postgres"
    transactional = True

    @classmethod
    def from_app(cls, app: Flask) -> PostgresBackend:
        if not str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("postgresql"):
            raise ValueError("CMS_SEARCH_BACKEND=postgres needs a PostgreSQL database (CMS_DATABASE_URL)")
        return cls()

    def available(self) -> bool:
        return True  # the tables come with the migrations; an empty table is an empty index

    # --- Writing -------------------------------------------------------------------------------

    def write(self, conn: Connection, documents: Mapping[int, SearchDocument | None]) -> None:
        gone = sorted(piece_id for piece_id, document in documents.items() if document is None)
        if gone:
            conn.execute(text("DELETE FROM search_documents WHERE piece_id = ANY(:ids)"), {"ids": gone})
        present = [document for document in documents.values() if document is not None]
        if present:
            conn.execute(UPSERT, [_row(document) for document in present])
            conn.execute(ADD_WORDS, {"words": sorted(set().union(*map(_words, present)))})

    def sync(self, piece_ids: Iterable[int], load: Loader) -> None:
        ids = sorted(set(piece_ids))
        if ids:
            with db.engine.begin() as conn:
                self.write(conn, load(ids))

    def rebuild(self, documents: Iterable[SearchDocument],
                progress: Callable[[int], None] | None = None) -> int:
        """Every document again, a batch per transaction (each stays searchable throughout),
        then the rows of pieces that are no longer indexable go."""
        written: list[int] = []
        batch: dict[int, SearchDocument | None] = {}
        for document in [*documents, None]:
            if document is not None:
                batch[document.id] = document
            if batch and (document is None or len(batch) >= REBUILD_BATCH):
                with db.engine.begin() as conn:
                    self.write(conn, batch)
                written += batch
                if progress:
                    progress(len(batch))
                batch = {}
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM search_documents WHERE NOT piece_id = ANY(:ids)"),
                         {"ids": written})
            conn.execute(text("ANALYZE search_documents"))  # the planner's figures, for the new rows
        return len(written)

    def document_ids(self) -> set[int]:
        with db.engine.connect() as conn:
            return set(conn.execute(text("SELECT piece_id FROM search_documents")).scalars())

    # --- Reading -------------------------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResults:
        parsed = parse(request.text)
        match, rank = match_query(parsed), rank_query(parsed)
        if not parsed.empty and match is None:  # words with nothing to search for ("_")
            return SearchResults([], 0, 1, request.per_page)
        now = request.now or utcnow()
        by_date = request.sort == "date" or rank is None
        offset = (request.page - 1) * request.per_page
        wanted = -(-(offset + request.per_page) // querying.CANDIDATES) * querying.CANDIDATES
        with db.engine.connect() as conn:
            found = querying.find(conn, match, rank, request.filters, now, by_date, wanted,
                                  language=request.language)
            rows = querying.page(conn, found.ids, rank, by_date, offset, request.per_page)
            query = snippets.Query(parsed)
            results = SearchResults([_hit(row, query) for row in rows], found.total, request.page,
                                    request.per_page)
            for name in FACETS:
                counted = found.facets.get(name, {})
                results.facets[name] = sorted((FacetValue(key, count) for key, count in counted.items()),
                                              key=lambda v: (-v.count, v.key))
            if found.total == 0 and not parsed.empty:
                results.suggestion = _suggest(conn, parsed, request.filters, now)
        return results


def _hit(row: Mapping[str, Any], query: snippets.Query) -> Hit:
    passages = [Passage(text, anchor, speaker) for text, anchor, speaker in row["passages"]]
    found = snippets.snippet(passages, query, row["language"])
    return Hit(id=row["piece_id"], kind=row["kind"], slug=row["slug"], title=row["title"],
               language=row["language"], published_at=row["published_at"],
               campaign_title=row["campaign_title"], snippet=found.html, speaker=found.speaker,
               anchor=found.anchor)


def _finds(conn: Connection, word: str, scope: str | None, filters: Mapping[str, str], now: Any) -> bool:
    """Whether `word` alone finds a piece readers may see now."""
    match = match_query(ParsedQuery([[Clause(word, False, scope)]], []))
    return match is not None and querying.matches_any(conn, match, filters, now)


def _suggest(conn: Connection, parsed: ParsedQuery, filters: Mapping[str, str], now: Any) -> str | None:
    """The query with misspelt words corrected, if that query has results."""
    candidate = corrected(
        parsed, lambda text: [variants(found)[0] for found in WORD.findall(text)],
        lambda word, scope: _finds(conn, word, scope, filters, now),
        lambda word: querying.similar_words(conn, word))
    if candidate is None:
        return None
    match = match_query(candidate)
    if match is None or not querying.matches_any(conn, match, filters, now):
        return None
    return to_text(candidate)
