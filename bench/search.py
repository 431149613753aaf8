"""Search benchmark: indexing documents per second and query latency over a synthetic archive.

    bench/search.py --pieces 10000 [--seed N] [--queries 200]
    bench/search.py --instance PATH [--queries 200] [--no-reindex]

Builds the archive with bench/make_archive.py (deterministic, seeded) in a temporary
instance folder on SQLite, then times `search reindex` (documents per second) and 200
mixed queries of one, two and three words (p50 and p95 milliseconds): through the backend
alone twice (the first pass reads each clause's postings, the second finds them in the
searcher's cache), then through the service the /search page calls (facet labels too).
With --instance it measures an existing instance folder instead of building one (its
index is rebuilt in place unless --no-reindex).
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

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import corpus  # noqa: E402


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def timed(queries: list[str], ask: Callable[[str], int]) -> tuple[list[float], int]:
    timings, found = [], 0
    for text in queries:
        began = time.perf_counter()
        total = ask(text)
        timings.append((time.perf_counter() - began) * 1000)
        found += total > 0
    return timings, found


def report(label: str, timings: list[float], found: int) -> None:
    print(f"{label}: {len(timings)} queries (1-3 words, {found} with results): "
          f"p50 {statistics.median(timings):.1f} ms, p95 {percentile(timings, 0.95):.1f} ms, "
          f"max {max(timings):.1f} ms, {len(timings) / (sum(timings) / 1000):.0f} queries/s")


def measure(folder: str, queries: list[str], reindex: bool) -> None:
    from cms import create_app
    from cms.database import utcnow
    from cms.search import services
    from cms.search.backend import SearchRequest, get_backend

    app = create_app({"CMS_INSTANCE_PATH": folder, "SERVER_NAME": "bench.local"})
    with app.app_context():
        if reindex:
            started = time.perf_counter()
            written = services.reindex()
            seconds = time.perf_counter() - started
            print(f"indexing: {written} documents in {seconds:.1f} s = {written / seconds:.0f} documents/s")
        engine = get_backend()
        began = time.perf_counter()
        engine.search(SearchRequest(text="warm up", now=utcnow()))
        print(f"first search of a new searcher: {(time.perf_counter() - began) * 1000:.0f} ms")
        for label in ("backend alone, first pass", "backend alone, second pass"):
            report(label, *timed(
                queries, lambda text: engine.search(SearchRequest(text=text, now=utcnow())).total))
        with app.test_request_context():
            services.search("warm up", {})
            report("services.search", *timed(queries, lambda text: services.search(text, {}).total))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pieces", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--instance", type=Path, help="measure this existing instance folder")
    parser.add_argument("--no-reindex", action="store_true", help="with --instance: keep its index")
    args = parser.parse_args()
    queries = corpus.query_mix(args.queries, seed=args.seed)

    if args.instance:
        os.environ["CMS_INSTANCE_PATH"] = str(args.instance.resolve())
        os.environ.pop("CMS_DATABASE_URL", None)
        measure(str(args.instance.resolve()), queries, reindex=not args.no_reindex)
        return
    with tempfile.TemporaryDirectory(prefix="cms-search-bench-") as folder:
        env = {**os.environ, "CMS_INSTANCE_PATH": folder}
        env.pop("CMS_DATABASE_URL", None)
        started = time.perf_counter()
        subprocess.run([sys.executable, str(HERE / "make_archive.py"), "--pieces", str(args.pieces),
                        "--comments", "0", "--seed", str(args.seed)], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        print(f"archive of {args.pieces} pieces built in {time.perf_counter() - started:.0f} s")
        measure(folder, queries, reindex=True)


if __name__ == "__main__":
    main()
