"""`make bench`: gunicorn (2 workers, production settings) on the benchmark archive, driven
by wrk from another process on 127.0.0.1, against the ceiling of a static file; the search
engines side by side on the same archive and the same 200 queries (bench/search.py): Whoosh,
and PostgreSQL when the archive is in PostgreSQL (CMS_DATABASE_URL), each also behind the
search page; then the archive's static mirror (`mirror build`), served by nginx with
docs/deploy/nginx-mirror.conf, loaded the same way and given as a ratio of the same ceiling.

Prints one report and writes it, with the machine's description, to bench/results/.
Run bench/make_archive.py first.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote_plus
from urllib.request import urlopen

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

import corpus  # noqa: E402
import nginx_mirror  # noqa: E402
import search as engines_bench  # noqa: E402
import worst_case  # noqa: E402
from make_archive import make_app  # noqa: E402

CEILING_DIR = ROOT / "static" / "_bench"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urlopen(url, timeout=2) as response:
                response.read()
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the server did not answer at {url}")


def wrk(url: str, seconds: int, connections: int, paths: Path | None = None) -> dict:
    env = dict(os.environ)
    if paths is not None:
        env["WRK_PATHS"] = str(paths)
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
         "-s", str(HERE / "wrk_report.lua"), url],
        capture_output=True, text=True, env=env, check=True,
    ).stdout
    line = next(line for line in out.splitlines() if line.startswith("WRK_JSON "))
    return json.loads(line.removeprefix("WRK_JSON "))


def worker_peak_memory_mb(master_pid: int) -> float:
    """The largest peak resident size (VmHWM) among the master's worker processes."""
    peaks = []
    for child in Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split():
        for line in Path(f"/proc/{child}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) / 1024)
    return max(peaks, default=0.0)


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
               platform.processor())
    memory = next(line.split(":", 1)[1].strip() for line in
                  Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    return (f"{os.cpu_count()} cores ({cpu}), {memory} memory, {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()}")


def pick_pages(app) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The pages the issue names, chosen from the archive."""
    from sqlalchemy import func, select

    from cms.articles import services
    from cms.articles.feeds import piece_url
    from cms.articles.models import Article, Tag, piece_tags
    from cms.campaigns.models import Campaign
    from cms.comments.models import Comment, CommentStatus
    from cms.extensions import db
    from cms.interviews.models import Interview

    with app.test_request_context():
        busiest = db.session.execute(
            select(Article, func.count(Comment.id).label("n"))
            .join(Comment, Comment.piece_id == Article.id)
            .where(Comment.status == CommentStatus.APPROVED, Article.public_filter())
            .group_by(Article.id).having(func.count(Comment.id) >= 500)
            .order_by(func.count(Comment.id)).limit(1)
        ).first()
        if busiest is None:
            raise SystemExit("the archive is empty: run bench/make_archive.py first")
        interview = db.session.scalar(services.public_pieces(kind=Interview))
        campaign = db.session.scalar(select(Campaign).order_by(Campaign.id))
        tag = db.session.scalar(
            select(Tag).join(piece_tags).group_by(Tag.id)
            .order_by(func.count(piece_tags.c.piece_id).desc()).limit(1))
        return {
            "home": "/",
            f"article ({busiest.n} comments)": piece_url(busiest[0]),
            "interview": piece_url(interview),
            "campaign page": f"/campaigns/{campaign.slug}",
            "tag page": f"/tags/{tag.slug}",
            "feed": "/feed.atom",
        }


def queries_per_request(app, paths: list[str]) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    """SQL statements and response bytes of an uncached request, averaged over `paths`."""
    from sqlalchemy import event

    from cms.extensions import db

    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def count(*args):  # type: ignore[no-untyped-def]
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    sizes = []
    client = app.test_client()
    try:
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            sizes.append(len(response.get_data()))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements) / len(paths), int(statistics.mean(sizes))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="load time per page")
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk (make bench does it)")
    nginx = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
    if nginx is None:
        raise SystemExit("nginx is missing: apt-get install nginx (make bench does it)")

    app = make_app()
    # Uncached numbers (queries, bytes) come from an app without the response cache.
    app_uncached = make_app_uncached()
    pages = pick_pages(app)
    queries = corpus.query_mix(200)
    search_paths = ["/search?q=" + quote_plus(q) for q in queries]  # as a browser sends them

    rows = []
    for name, path in pages.items():
        count, size = queries_per_request(app_uncached, [path])
        rows.append({"page": name, "path": path, "queries": count, "bytes": size})
    # Each engine reindexed and timed alone first: the search pages below read those indexes.
    engines = [engines_bench.measure_engine({"CMS_INSTANCE_PATH": app.instance_path}, engine, queries)
               for engine in engines_bench.engines_for(app)]
    search_counts = {row["engine"]: queries_per_request(make_app_uncached(row["engine"]), search_paths[:40])
                     for row in engines}
    count, size = search_counts[engines[0]["engine"]]
    rows.append({"page": "search (200 queries)", "path": "/search", "queries": count, "bytes": size})
    worst_name, worst_seconds = worst_case.worst_case()
    diff_name, diff_seconds = worst_case.worst_comparison()

    CEILING_DIR.mkdir(exist_ok=True)
    ceiling_file = CEILING_DIR / "article.html"
    with app.test_client() as client:
        ceiling_file.write_bytes(client.get(list(pages.values())[1]).get_data())
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as listing:
        listing.write("\n".join(search_paths))

    search_row = rows.pop()
    try:
        with serve(app, engines[0]["engine"]) as (base, server):
            ceiling = wrk(base + "/static/_bench/article.html", args.seconds, args.connections)
            for row in [*rows, search_row]:
                paths = Path(listing.name) if row["path"] == "/search" else None
                wrk(base + row["path"], 2, args.connections, paths)  # warm up
                row.update(wrk(base + row["path"], args.seconds, args.connections, paths))
                row["ratio"] = row["rps"] / ceiling["rps"]
            peak = worker_peak_memory_mb(server.pid)
        search_row["page"] = f"search (200 queries, {engines[0]['engine']})"
        rows.append(search_row)
        for engine in engines[1:]:  # the search page again, served with the other engine
            with serve(app, engine["engine"]) as (base, _server):
                count, size = search_counts[engine["engine"]]
                row = {**search_row, "page": f"search (200 queries, {engine['engine']})",
                       "queries": count, "bytes": size}
                wrk(base + "/search", 2, args.connections, Path(listing.name))
                row.update(wrk(base + "/search", args.seconds, args.connections, Path(listing.name)))
                row["ratio"] = row["rps"] / ceiling["rps"]
                rows.append(row)
    finally:
        shutil.rmtree(CEILING_DIR, ignore_errors=True)

    builds = measure_mirror(app, nginx, rows, ceiling, args)
    report = render(rows, ceiling, engines, peak, args)
    report += (f"Worst-case body ({worst_case.SIZE // 1000} KB) renders in {worst_seconds:.2f} s "
               f"({worst_name}; every pattern: bench/worst_case.py).\n")
    report += (f"Worst-case comparison of two revisions ({worst_case.SIZE // 1000} KB) takes "
               f"{diff_seconds:.2f} s ({diff_name}).\n\n")
    report += render_mirror(rows, builds)
    print(report)
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d-%H%M")
    (results / f"{stamp}.md").write_text(report)
    print(f"written to bench/results/{stamp}.md")


def measure_mirror(app, nginx: str, rows: list[dict], ceiling: dict, args) -> tuple:  # type: ignore[no-untyped-def]
    """Build the archive's mirror (twice: the second build finds nothing to write), serve it with
    nginx and load each page as the app's was; the two builds' reports."""
    from cms.mirror.build import build

    out = Path(app.instance_path) / "mirror"
    app.config["CMS_BASE_URL"] = "http://127.0.0.1"  # only the canonical and comment links name it
    first, second = build(app, out), build(app, out)
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="bench-nginx-") as folder:
        server = nginx_mirror.start(nginx, out, port, Path(folder))
        try:
            for row in rows:
                if row["path"] == "/search":
                    continue  # a mirror has no search
                url = f"http://127.0.0.1:{port}{row['path']}"
                wrk(url, 2, args.connections)  # warm up
                found = wrk(url, args.seconds, args.connections)
                row["mirror"] = {**found, "ratio": found["rps"] / ceiling["rps"]}
        finally:
            server.terminate()
            server.wait(timeout=30)
    return first, second


def render_mirror(rows: list[dict], builds: tuple) -> str:  # type: ignore[type-arg]
    first, second = builds
    lines = [
        "## The mirror, served by nginx",
        "",
        f"`mirror build` of the archive: {first.summary()}.",
        f"Again, nothing changed: {second.summary()}.",
        "nginx 2 workers with docs/deploy/nginx-mirror.conf; wrk as above. Ratios are to the same "
        "static ceiling (gunicorn serving the article's HTML as a static file).",
        "",
        "| page | app requests/s | app ratio | mirror requests/s | mirror p99 ms | mirror bytes | "
        "mirror ratio |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        if "mirror" in row:
            mirror = row["mirror"]
            lines.append(f"| {row['page']} | {row['rps']:.0f} | {row['ratio']:.2f} | {mirror['rps']:.0f} | "
                         f"{mirror['p99_ms']:.1f} | {mirror['bytes_per_request']:.0f} | "
                         f"{mirror['ratio']:.2f} |")
            if mirror.get("errors"):
                lines.append(f"| ↳ {mirror['errors']} errors ({mirror['non_2xx']} non-2xx) | | | | | | |")
    return "\n".join(lines) + "\n"


def make_app_uncached(engine: str | None = None):  # type: ignore[no-untyped-def]
    from cms import create_app

    config = {"CMS_PAGE_CACHE_SECONDS": 0}
    return create_app({**config, "CMS_SEARCH_BACKEND": engine} if engine else config)


@contextmanager
def serve(app, engine: str) -> Iterator[tuple[str, subprocess.Popen]]:  # type: ignore[no-untyped-def,type-arg]
    """gunicorn (2 workers, production settings) on the archive, with this search engine."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, CMS_BIND=f"127.0.0.1:{port}", CMS_BASE_URL=base, CMS_WORKERS="2",
               CMS_INSTANCE_PATH=app.instance_path, CMS_SEARCH_BACKEND=engine)
    log = tempfile.NamedTemporaryFile(prefix="bench-gunicorn-", suffix=".log", delete=False)
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "python:cms.gunicorn_conf",
         "wsgi:app"], cwd=ROOT, env=env, stdout=log, stderr=log)
    try:
        wait_for(base + "/healthz")
        yield base, server
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def render(rows, ceiling, engines, peak, args) -> str:  # type: ignore[no-untyped-def]
    lines = [
        f"# Benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"Machine: {machine()}.",
        f"gunicorn 2 workers (cms/gunicorn_conf.py); wrk 1 thread, {args.connections} "
        f"connections, {args.seconds} s per page, from another process on 127.0.0.1.",
        "",
        "| page | requests/s | p50 ms | p95 ms | p99 ms | SQL queries/request | bytes | "
        "ratio to static ceiling |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        f"| static file (ceiling: the article's HTML) | {ceiling['rps']:.0f} | "
        f"{ceiling['p50_ms']:.1f} | {ceiling['p95_ms']:.1f} | {ceiling['p99_ms']:.1f} | 0 | "
        f"{ceiling['bytes_per_request']:.0f} | 1.00 |",
    ]
    for row in rows:
        lines.append(
            f"| {row['page']} | {row['rps']:.0f} | {row['p50_ms']:.1f} | {row['p95_ms']:.1f} | "
            f"{row['p99_ms']:.1f} | {row['queries']:.1f} | {row['bytes']} | {row['ratio']:.2f} |")
        if row.get("errors"):
            lines.append(f"| ↳ {row['errors']} errors ({row['non_2xx']} non-2xx) | | | | | | | |")
    article = next(row for row in rows if row["page"].startswith("article"))
    css = (ROOT / "static" / "style.css").stat().st_size
    lines += [
        "",
        engines_bench.report(engines, 200),
        f"Peak memory of a worker: {peak:.0f} MB.",
        f"Article page weight before compression: HTML {article['bytes']} + CSS {css} = "
        f"{article['bytes'] + css} bytes (target under 40,960).",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
