"""`make stress`: load and faults against gunicorn (2 workers) on 127.0.0.1.

1. 20 concurrent clients post 1,000 comments, on SQLite and then on PostgreSQL (when
   CMS_TEST_POSTGRES_URL or --postgres names a server); one worker is killed with SIGKILL
   in the middle. Every comment answered with the thank-you page must be in the database
   exactly once; none may be answered with a 5xx.
2. With the search index folder made unwritable (chattr +i, which binds root too),
   publishing through the desk still succeeds; `flask search reindex` catches up after.

Prints its counts and exits non-zero on any loss, duplicate or 5xx. Bounded: at most
1,000 comments per database and a 10-minute deadline for the whole run.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

THANKS = "Thank you. Your comment will appear once a moderator has approved it."
DEADLINE = time.monotonic() + 600
WRITER = ("stress-writer@example.org", "stress password 123")


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn with the production settings, on a free port of 127.0.0.1."""

    def __init__(self, env: dict[str, str]) -> None:
        self.port = free_port()
        self.log = tempfile.NamedTemporaryFile(prefix="stress-gunicorn-", suffix=".log", delete=False)
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "-c", "python:cms.gunicorn_conf",
             "wsgi:app"], cwd=ROOT, stdout=self.log, stderr=self.log,
            env={**env, "CMS_BIND": f"127.0.0.1:{self.port}", "CMS_WORKERS": "2",
                 "CMS_BASE_URL": f"http://127.0.0.1:{self.port}"})
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if self.request("GET", "/healthz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise SystemExit("gunicorn did not start: see " + self.log.name)

    def request(self, method: str, path: str, body: dict | None = None,
                headers: dict | None = None) -> tuple[int, str, dict]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            data = urlencode(body) if body is not None else None
            sent = {"Content-Type": "application/x-www-form-urlencoded"} if data else {}
            connection.request(method, path, body=data, headers={**sent, **(headers or {})})
            response = connection.getresponse()
            return response.status, response.read().decode("utf-8", "replace"), dict(response.getheaders())
        finally:
            connection.close()

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text()
        return [int(pid) for pid in children.split()]

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


def prepare(env: dict[str, str]) -> tuple[int, str]:
    """Migrate, then a writer and a published piece; returns the piece's id and path."""
    code = f"""
import sys
from flask_migrate import upgrade
from cms import create_app
from cms.accounts import services as accounts
from cms.articles import services as pieces
app = create_app()
with app.app_context():
    upgrade(revision="heads")
    writer = accounts.create_user("{WRITER[0]}", "Stress Writer", "writer", "{WRITER[1]}")
    piece = pieces.create_piece(writer, pieces.PieceData(title="Under load", body_source="Text."))
    pieces.publish(piece, writer)
    print(piece.id)
"""
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout.split()
    return int(out[-1]), "/articles/under-load"


def stored_bodies(env: dict[str, str], run: str) -> dict[str, int]:
    code = f"""
from sqlalchemy import func, select
from cms import create_app
from cms.comments.models import Comment
from cms.extensions import db
app = create_app()
with app.app_context():
    rows = db.session.execute(select(Comment.body, func.count()).where(
        Comment.body.like("stress {run} %")).group_by(Comment.body))
    for body, count in rows:
        print(f"{{count}}\\t{{body}}")
"""
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    return {line.split("\t", 1)[1]: int(line.split("\t", 1)[0]) for line in out.splitlines() if line}


def post_comments(server: Server, piece_id: int, path: str, total: int, clients: int,
                  run: str, kill_at: int) -> dict[str, object]:
    """`clients` threads post `total` distinct comments, each through its own form (a token
    sends one comment); one worker is killed at `kill_at`."""
    assert server.request("GET", path)[0] == 200
    counts = {"sent": 0, "accepted": 0, "refused": 0, "5xx": 0, "connection errors": 0}
    accepted: list[str] = []
    lock = threading.Lock()
    numbers = iter(range(total))
    killed: list[int] = []

    def client() -> None:
        while time.monotonic() < DEADLINE:
            with lock:
                number = next(numbers, None)
                if number is None:
                    return
                counts["sent"] += 1
                if number == kill_at and not killed:
                    victim = server.workers()[0]
                    os.kill(victim, signal.SIGKILL)
                    killed.append(victim)
            body = f"stress {run} comment number {number}"
            try:
                form_status, form, _ = server.request("GET", f"/comments/{piece_id}/write")
                found = re.search(r'name="form_token" type="hidden" value="([^"]+)"', form)
                if found is None:  # no form to send: counted as the answer it was
                    with lock:
                        counts["5xx" if form_status >= 500 else "refused"] += 1
                    continue
                token = found.group(1)
                status, html, _ = server.request("POST", f"/comments/{piece_id}", {
                    "name": f"Reader {number % clients}", "body": body, "form_token": token,
                    "email": "", "website": "", "reply_to": ""})
            except OSError:
                with lock:
                    counts["connection errors"] += 1
                continue
            with lock:
                if status >= 500:
                    counts["5xx"] += 1
                elif status == 200 and THANKS in html:
                    counts["accepted"] += 1
                    accepted.append(body)
                else:
                    counts["refused"] += 1

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    counts["killed worker"] = killed[0] if killed else "none"
    counts["_accepted"] = accepted
    return counts


def comments_run(name: str, env: dict[str, str], total: int, clients: int) -> bool:
    piece_id, path = prepare(env)
    server = Server(env)
    run = uuid.uuid4().hex[:8]
    try:
        counts = post_comments(server, piece_id, path, total, clients, run, kill_at=total // 3)
    finally:
        server.stop()
    accepted = counts.pop("_accepted")
    stored = stored_bodies(env, run)
    missing = [body for body in accepted if stored.get(body, 0) == 0]
    duplicates = [body for body, count in stored.items() if count > 1]
    print(f"{name}: sent {counts['sent']}, accepted {counts['accepted']}, "
          f"stored {sum(stored.values())}, duplicates {len(duplicates)}, 5xx {counts['5xx']}, "
          f"refused {counts['refused']}, connection errors {counts['connection errors']} "
          f"(worker {counts['killed worker']} killed with SIGKILL after {total // 3} sent), "
          f"accepted but missing {len(missing)}")
    return not missing and not duplicates and counts["5xx"] == 0 and counts["accepted"] > 0


def unwritable_index_run(env: dict[str, str]) -> bool:
    """Publishing succeeds with the index folder immutable; `search reindex` catches up."""
    if shutil.which("chattr") is None:
        print("search index fault: chattr is missing, not run")
        return False
    prepare(env)
    flask = [str(Path(sys.executable).parent / "flask"), "--app", "cms"]
    subprocess.run([*flask, "search", "reindex"], env=env, cwd=ROOT, check=True, capture_output=True)
    folders = [p for p in (Path(env["CMS_INSTANCE_PATH"]) / "search").rglob("*") if p.is_dir()]
    folders.append(Path(env["CMS_INSTANCE_PATH"]) / "search")
    server = Server(env)
    try:
        for folder in folders:
            subprocess.run(["chattr", "+i", str(folder)], check=True)
        jar: dict[str, str] = {}

        def browse(method: str, path: str, body: dict | None = None) -> tuple[int, str, dict]:
            """A request that keeps the session cookie, as a browser does."""
            cookie = "; ".join(f"{k}={v}" for k, v in jar.items())
            status, html, headers = server.request(method, path, body, {"Cookie": cookie} if jar else {})
            if "Set-Cookie" in headers:
                name, _, value = headers["Set-Cookie"].split(";")[0].partition("=")
                jar[name] = value
            return status, html, headers

        def csrf(html: str, name: str = "csrf_token") -> str:
            return re.search(rf'name="{name}" type="hidden" value="([^"]+)"', html).group(1)

        login_page = browse("GET", "/login")[1]
        browse("POST", "/login", {"email": WRITER[0], "password": WRITER[1],
                                  "form_token": csrf(login_page, "form_token")})
        token = csrf(browse("GET", "/desk/new")[1])
        status, _, headers = browse("POST", "/desk/new", {
            "title": "Published while the index is frozen", "body_source": "Glacier words.",
            "language": "en", "csrf_token": token, "action": "save"})
        found = re.search(r"/desk/(\d+)/edit", headers.get("Location", ""))
        if found is None:
            raise SystemExit(f"saving a piece with the index frozen answered {status}")
        status, _, _ = browse("POST", f"/desk/{found.group(1)}/publish",
                              {"publish_at": "", "csrf_token": token})
        published = status == 302 and server.request(
            "GET", "/articles/published-while-the-index-is-frozen")[0] == 200
        found_before = "Published while the index is frozen" in server.request(
            "GET", "/search?q=glacier")[1]
    finally:
        for folder in folders:
            subprocess.run(["chattr", "-i", str(folder)], check=False)
        server.stop()
    status_out = subprocess.run([*flask, "search", "status"], env=env, cwd=ROOT,
                                capture_output=True, text=True).stdout
    subprocess.run([*flask, "search", "reindex"], env=env, cwd=ROOT, check=True, capture_output=True)
    server = Server(env)
    try:
        found_after = "Published while the index is frozen" in server.request("GET", "/search?q=glacier")[1]
    finally:
        server.stop()
    waiting = re.search(r"Waiting for an index update: (\d+)", status_out)
    print(f"search index fault: published with the index frozen: {published}; "
          f"searchable before reindex: {found_before}; waiting for an index update: "
          f"{waiting.group(1) if waiting else '?'}; searchable after `search reindex`: {found_after}")
    return published and found_after


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--postgres", default=os.environ.get("CMS_TEST_POSTGRES_URL", ""),
                        help="a PostgreSQL URL (its public schema is dropped and rebuilt)")
    args = parser.parse_args()
    settings = {"CMS_COMMENT_MIN_SECONDS": "0", "CMS_COMMENT_RATE_PER_MINUTE": "1000000",
                "CMS_COMMENT_RATE_PER_DAY": "1000000", "CMS_COMMENT_PIECE_RATE_PER_MINUTE": "1000000",
                "CMS_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}
    base = {k: v for k, v in os.environ.items() if not k.startswith("CMS_")}
    ok = True
    with tempfile.TemporaryDirectory(prefix="cms-stress-") as folder:
        env = {**base, **settings, "CMS_INSTANCE_PATH": f"{folder}/sqlite"}
        ok &= comments_run("SQLite", env, args.comments, args.clients)
        if args.postgres:
            from tests.conftest import reset_postgres

            reset_postgres(args.postgres)
            env = {**base, **settings, "CMS_INSTANCE_PATH": f"{folder}/postgres",
                   "CMS_DATABASE_URL": args.postgres}
            ok &= comments_run("PostgreSQL", env, args.comments, args.clients)
            reset_postgres(args.postgres)
        else:
            print("PostgreSQL: not run (set CMS_TEST_POSTGRES_URL or --postgres)")
        ok &= unwritable_index_run({**base, **settings, "CMS_INSTANCE_PATH": f"{folder}/index"})
    print("stress: OK" if ok else "stress: FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
