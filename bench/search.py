"""Search benchmark: both engines side by side on one archive and the same queries.

    bench/search.py --pieces 10000 [--seed N] [--queries 200] [--postgres URL]
    bench/search.py --instance PATH [--queries 200] [--no-reindex]

Builds the archive with bench/make_archive.py (deterministic, seeded) in a temporary instance
folder, on SQLite, or in the PostgreSQL database --postgres names (its content tables are
emptied first), then for each engine (Whoosh; PostgreSQL too when the database is
PostgreSQL) times a full reindex (documents per second) and the queries (200 distinct ones of
one, two and three words): a first pass, then a second one that is measured (queries/s, p50,
p95, p99 ms), through the backend alone and through the service the /search page calls
(facet labels too). With --instance it measures an existing instance folder (and the
database CMS_DATABASE_URL names, if any) instead of building one.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import corpus  # noqa: E402


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def timed(queries: list[str], ask: Callable[[str], int]) -> dict[str, float]:
    """Each query once: queries/s, p50/p95/p99 and max milliseconds, how many found anything."""
    timings, found = [], 0
    started = time.perf_counter()
    for text in queries:
        began = time.perf_counter()
        found += ask(text) > 0
        timings.append((time.perf_counter() - began) * 1000)
    seconds = time.perf_counter() - started
    return {"qps": len(queries) / seconds, "p50": statistics.median(timings),
            "p95": percentile(timings, 0.95), "p99": percentile(timings, 0.99),
            "max": max(timings), "found": found}


def engines_for(app: Any) -> list[str]:
    """The engines this archive's database can run."""
    url = str(app.config["SQLALCHEMY_DATABASE_URI"])
    return ["whoosh", "postgres"] if url.startswith("postgresql") else ["whoosh"]


def measure_engine(config: dict[str, Any], engine: str, queries: list[str],
                   reindex: bool = True) -> dict[str, Any]:
    """One engine on the archive: reindex documents/s, then the queries twice (the second timed)."""
    from cms import create_app
    from cms.database import utcnow
    from cms.search import services
    from cms.search.backend import SearchRequest, get_backend

    app = create_app({**config, "CMS_SEARCH_BACKEND": engine})
    row: dict[str, Any] = {"engine": engine}
    with app.app_context():
        if reindex:
            started = time.perf_counter()
            written = services.reindex()
            row["documents"] = written
            row["reindex"] = written / (time.perf_counter() - started)
        backend = get_backend()

        def ask(text: str) -> int:
            return backend.search(SearchRequest(text=text, now=utcnow())).total

        row["first"] = timed(queries, ask)
        row["backend"] = timed(queries, ask)
        with app.test_request_context():
            row["service"] = timed(queries, lambda text: services.search(text, {}).total)
        backend.close()
    return row


def report(rows: list[dict[str, Any]], queries: int) -> str:
    lines = [f"Search engines, one process, the same {queries} queries (1-3 words), second pass:", "",
             "| engine | reindex documents/s | queries/s | p50 ms | p95 ms | p99 ms | max ms | "
             "with results | /search service p95 ms |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        alone, service = row["backend"], row["service"]
        reindex = f"{row['reindex']:.0f}" if "reindex" in row else "-"
        lines.append(f"| {row['engine']} | {reindex} | {alone['qps']:.0f} | {alone['p50']:.1f} | "
                     f"{alone['p95']:.1f} | {alone['p99']:.1f} | {alone['max']:.1f} | {alone['found']} | "
                     f"{service['p95']:.1f} |")
    if len(rows) == 2:
        ratio = rows[1]["backend"]["p95"] / rows[0]["backend"]["p95"]
        lines += ["", f"PostgreSQL's p95 is {ratio:.1f} times Whoosh's (target: within 20)."]
    return "\n".join(lines) + "\n"


def measure(config: dict[str, Any], queries: list[str], reindex: bool = True) -> str:
    from cms import create_app

    rows = [measure_engine(config, engine, queries, reindex)
            for engine in engines_for(create_app(config))]
    return report(rows, len(queries))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pieces", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--postgres", help="build the archive in this PostgreSQL database")
    parser.add_argument("--instance", type=Path, help="measure this existing instance folder")
    parser.add_argument("--no-reindex", action="store_true", help="with --instance: keep the indexes")
    args = parser.parse_args()
    queries = corpus.query_mix(args.queries, seed=args.seed)

    if args.instance:
        folder = str(args.instance.resolve())
        os.environ["CMS_INSTANCE_PATH"] = folder
        print(measure({"CMS_INSTANCE_PATH": folder, "SERVER_NAME": "bench.local"}, queries,
                      reindex=not args.no_reindex))
        return
    with tempfile.TemporaryDirectory(prefix="cms-search-bench-") as folder:
        env = {**os.environ, "CMS_INSTANCE_PATH": folder}
        env.pop("CMS_DATABASE_URL", None)
        if args.postgres:
            env["CMS_DATABASE_URL"] = os.environ["CMS_DATABASE_URL"] = args.postgres
        started = time.perf_counter()
        subprocess.run([sys.executable, str(HERE / "make_archive.py"), "--pieces", str(args.pieces),
                        "--comments", "0", "--seed", str(args.seed), "--reset"], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        print(f"archive of {args.pieces} pieces built in {time.perf_counter() - started:.0f} s")
        os.environ["CMS_INSTANCE_PATH"] = folder
        print(measure({"CMS_INSTANCE_PATH": folder, "SERVER_NAME": "bench.local"}, queries))


if __name__ == "__main__":
    main()
