"""Search benchmark: indexing documents per second and query latency over a synthetic archive.

    bench/search.py --pieces 10000 [--seed N] [--queries 200]

Builds the archive with bench/make_archive.py (deterministic, seeded) in a temporary
instance folder on SQLite, then times `search reindex` (documents per second) and 200
mixed queries of one, two and three words (p50 and p95 milliseconds, through the same
service the /search page calls, with facets and snippets).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import corpus  # noqa: E402


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pieces", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="cms-search-bench-") as folder:
        env = {**os.environ, "CMS_INSTANCE_PATH": folder}
        env.pop("CMS_DATABASE_URL", None)
        started = time.perf_counter()
        subprocess.run([sys.executable, str(HERE / "make_archive.py"), "--pieces", str(args.pieces),
                        "--comments", "0", "--seed", str(args.seed)], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        print(f"archive of {args.pieces} pieces built in {time.perf_counter() - started:.0f} s")

        from cms import create_app
        from cms.search import services

        app = create_app({"CMS_INSTANCE_PATH": folder, "SERVER_NAME": "bench.local"})
        with app.app_context():
            started = time.perf_counter()
            written = services.reindex()
            seconds = time.perf_counter() - started
            print(f"indexing: {written} documents in {seconds:.1f} s = {written / seconds:.0f} documents/s")
            queries = corpus.query_mix(args.queries, seed=args.seed)
            with app.test_request_context():
                services.search("warm up", {})
                timings, found = [], 0
                for text in queries:
                    began = time.perf_counter()
                    results = services.search(text, {})
                    timings.append((time.perf_counter() - began) * 1000)
                    found += results.total > 0
        print(f"queries: {len(timings)} (1-3 words, {found} with results): "
              f"p50 {statistics.median(timings):.1f} ms, p95 {percentile(timings, 0.95):.1f} ms, "
              f"max {max(timings):.1f} ms")


if __name__ == "__main__":
    main()
