"""The SQL of a search: what matches, how it ranks, the facets, the page, "Did you mean".

Ranking reads as little as it can. A common word is in thousands of long pieces, and ts_rank
over their whole documents reads every one of them (about 100 ms for 8,000 pieces). So the
matches are ranked first on their `summary` (every title, standfirst, tag and speaker word,
and the body's most frequent words, a few positions each: small, and kept in the row), and
only the best CANDIDATES of those are ranked again on their whole document. Matching and
counting use the GIN index alone when the query has no phrase and no title:/speaker: (those
need the positions and weights that only the documents hold).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from cms.search.postgres.text import CONFIGS

CANDIDATES = 200  # matches ranked on their whole document (more for pages further down)
# ts_rank's weights of D (speakers), C (body, turns), B (standfirst, tags), A (title).
WEIGHTS = "{0.1, 0.2, 0.5, 1.0}"
FACET_COLUMNS = {"kind": "kind", "campaign": "campaign_id", "year": "year", "language": "language"}
CONFIG_NAMES = ("english", "russian", "simple")
assert set(CONFIGS.values()) <= set(CONFIG_NAMES)


def _per_config(column: str, prefix: str) -> str:
    """The tsquery of the row's own configuration."""
    cases = " ".join(f"WHEN '{name}' THEN q.{prefix}_{name}" for name in CONFIG_NAMES[:-1])
    return f"CASE {column} {cases} ELSE q.{prefix}_{CONFIG_NAMES[-1]} END"


def marker(config: str) -> str:
    """The lexeme every document of a configuration holds (a space in it: no parser makes it)."""
    return f"cms config {config}"


def _queries(match: str | None, rank: str | None) -> str:
    """A one-row CTE: the match tsquery (each configuration's reading of the query, for the
    documents of that configuration, as one tsquery the GIN index answers alone) and the
    rank tsquery in every configuration."""
    readings = " || ".join(f"(to_tsquery('cms_{name}', :match) && '''{marker(name)}'''::tsquery)"
                           for name in CONFIG_NAMES)
    columns = [f"{readings} AS match" if match else "NULL::tsquery AS match"]
    for name in CONFIG_NAMES:
        columns.append(f"to_tsquery('cms_{name}', :rank) AS rank_{name}" if rank else
                       f"''::tsquery AS rank_{name}")
    return "q AS (SELECT " + ", ".join(columns) + ")"


@dataclass
class Found:
    total: int
    ids: list[int]  # the best candidates, in order
    facets: dict[str, dict[str, int]] = field(default_factory=dict)


def _where(filters: Mapping[str, str], params: dict[str, Any], matching: bool) -> list[str] | None:
    """The conditions of a search (None: a filter no piece can meet, such as year=abc)."""
    where = ["d.published_at <= :now", "(d.unpublish_at IS NULL OR d.unpublish_at > :now)"]
    for name, key in filters.items():
        if name == "tag":
            where.append(":tag = ANY(d.tags)")
            params["tag"] = key
        elif name in ("campaign", "year"):
            if not key.isdigit() or len(key) > 9:
                return None
            where.append(f"d.{FACET_COLUMNS[name]} = :{name}")
            params[name] = int(key)
        elif name in FACET_COLUMNS:
            where.append(f"d.{FACET_COLUMNS[name]} = :{name}")
            params[name] = key
    if matching:
        where.append("d.document @@ q.match")
    return where


def find(conn: Connection, match: str | None, rank: str | None, filters: Mapping[str, str],
         now: datetime, by_date: bool, wanted: int, facets: bool = True, language: str = "") -> Found:
    """The matches, one per story (its version in `language`, else the original, else the
    first): how many, the first `wanted` or more by a first ranking, the facets."""
    params: dict[str, Any] = {"now": now, "match": match, "rank": rank, "language": language,
                              "candidates": max(CANDIDATES, wanted)}
    where = _where(filters, params, match is not None)
    if where is None:
        return Found(0, [])
    score = "0" if by_date or not rank else (
        f"ts_rank('{WEIGHTS}', d.summary, {_per_config('d.config', 'rank')})")
    keys = ", ".join(f"{column}::text AS {name}" for name, column in FACET_COLUMNS.items())
    sets = ", ".join(f"({column})" for column in FACET_COLUMNS.values())
    grouping = ", ".join(FACET_COLUMNS.values())
    counts = [  # one pass for the columns, one for the tags
        f"(SELECT coalesce(json_agg(json_build_array(which, {', '.join(FACET_COLUMNS)}, n)), '[]') "
        f"FROM (SELECT GROUPING({grouping}) AS which, {keys}, count(*) AS n FROM m "
        f"GROUP BY GROUPING SETS ({sets})) AS f) AS columns",
        "(SELECT coalesce(json_object_agg(key, n), '{}') FROM (SELECT key, count(*) AS n "
        "FROM (SELECT unnest(tags) AS key FROM m) AS t GROUP BY 1) AS f) AS tag",
    ]
    sql = f"""
        WITH {_queries(match, rank)},
        found AS MATERIALIZED (
            SELECT d.piece_id, d.kind, d.campaign_id, d.year, d.language, d.tags, d.published_at,
                   {score} AS score, coalesce(d.original_id, d.piece_id) AS story,
                   CASE WHEN d.language = :language THEN 0 WHEN d.original_id IS NULL THEN 1
                        ELSE 2 END AS choice
            FROM search_documents AS d CROSS JOIN q WHERE {' AND '.join(where)}
        ),
        m AS MATERIALIZED (  -- one per story: most stories have one version, and keep it
            SELECT * FROM found WHERE NOT EXISTS (
                SELECT 1 FROM found AS other WHERE other.story = found.story
                AND (other.choice, other.piece_id) < (found.choice, found.piece_id))
        )
        SELECT (SELECT count(*) FROM m) AS total,
               (SELECT coalesce(json_agg(piece_id), '[]') FROM (
                   SELECT piece_id FROM m ORDER BY score DESC, published_at DESC, piece_id DESC
                   LIMIT :candidates) AS c) AS ids
               {', ' + ', '.join(counts) if facets else ''}
    """
    _through_the_index(conn)
    row = conn.execute(text(sql), params).mappings().one()
    found = Found(row["total"], _json(row["ids"]))
    if facets:
        found.facets = _facets(_json(row["columns"]), _json(row["tag"]))
    return found


def _facets(columns: list[list[Any]], tags: dict[str, int]) -> dict[str, dict[str, int]]:
    """Counts by facet from the grouping sets' rows: GROUPING() has a 0 bit for the column
    grouped by (the first column is the highest bit); a row without a value is not a facet value."""
    names = list(FACET_COLUMNS)
    found: dict[str, dict[str, int]] = {name: {} for name in names}
    for which, *keys, count in columns:
        place = next(i for i, name in enumerate(names) if not which >> (len(names) - 1 - i) & 1)
        if keys[place] is not None:
            found[names[place]][keys[place]] = count
    found["tag"] = tags
    return found


def _through_the_index(conn: Connection) -> None:
    """Match through the GIN index even when most pieces match: the planner would rather read
    the table, and a read of the table checks every row's whole document (its cost model does
    not see that). For this transaction only."""
    conn.execute(text("SET LOCAL enable_seqscan = off"))


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def page(conn: Connection, ids: Sequence[int], rank: str | None, by_date: bool,
         offset: int, limit: int) -> list[Mapping[str, Any]]:
    """One page of the candidates, ranked again on their whole documents, with their passages."""
    if not ids:
        return []
    score = "0" if by_date or not rank else (
        f"ts_rank('{WEIGHTS}', d.document, {_per_config('d.config', 'rank')})")
    sql = f"""
        WITH {_queries(None, rank)},
        ranked AS (
            SELECT d.piece_id, row_number() OVER (
                       ORDER BY {score} DESC, d.published_at DESC, d.piece_id DESC) AS place
            FROM search_documents AS d CROSS JOIN q WHERE d.piece_id = ANY(:ids)
        )
        SELECT d.piece_id, d.kind, d.slug, d.title, d.language, d.published_at, d.campaign_title,
               d.passages
        FROM ranked JOIN search_documents AS d USING (piece_id)
        WHERE ranked.place > :offset AND ranked.place <= :offset + :limit
        ORDER BY ranked.place
    """
    return list(conn.execute(text(sql), {"ids": list(ids), "rank": rank, "offset": offset,
                                         "limit": limit}).mappings())


def matches_any(conn: Connection, match: str, filters: Mapping[str, str], now: datetime) -> bool:
    """Whether a query finds a piece readers may see now (with these filters)."""
    params: dict[str, Any] = {"now": now, "match": match, "rank": None}
    where = _where(filters, params, True)
    if where is None:
        return False
    sql = (f"WITH {_queries(match, None)} SELECT EXISTS (SELECT 1 FROM search_documents AS d "
           f"CROSS JOIN q WHERE {' AND '.join(where)})")
    _through_the_index(conn)
    return bool(conn.execute(text(sql), params).scalar())


def similar_words(conn: Connection, word: str, limit: int = 5) -> list[str]:
    """The indexed words most like `word` by trigrams (pg_trgm), the most alike first."""
    return list(conn.execute(text(
        "SELECT word FROM search_words WHERE word % :word "
        "ORDER BY similarity(word, :word) DESC, word LIMIT :limit"),
        {"word": word, "limit": limit}).scalars())
