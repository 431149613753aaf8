"""`flask backup FILE` then `flask restore FILE` into a brand-new empty instance gives back every
row of every table, the image files and a search index that finds the pieces, on SQLite and
(CMS_TEST_BACKEND=postgres) on PostgreSQL; an older archive is migrated; a backup taken while
others write is consistent."""

from __future__ import annotations

import hashlib
import json
import re
import tarfile
import threading
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import insert, select, text

from cms.accounts.models import User
from cms.articles.images import upload_folder
from cms.articles.models import Piece
from cms.audit import AuditAction, AuditEvent
from cms.backup.cli import human_size
from cms.comments import history, identity
from cms.comments import services as comments
from cms.comments.models import Comment
from cms.database import utcnow
from cms.extensions import db
from cms.search import services as search
from tests.backup.conftest import FILLED, build_world, invoke, table_rows
from tests.conftest import BACKEND

KIND = "postgresql" if BACKEND == "postgres" else "sqlite"
MEMBER = "database.pgdump" if BACKEND == "postgres" else "database.sqlite3"


def heads(app: Flask) -> list[str]:
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config()
        return sorted(ScriptDirectory.from_config(config).get_heads())


def manifest_of(archive: Path) -> dict[str, object]:
    with tarfile.open(archive) as tar:
        return json.loads(tar.extractfile("manifest.json").read())


def rows_line(rows: dict[str, list[tuple[object, ...]]]) -> str:
    return ", ".join(f"{table} {len(found)}" for table, found in sorted(rows.items())
                     if table != "alembic_version")


def test_backup_then_restore_into_an_empty_instance_gives_back_everything(app, new_instance, tmp_path):
    world = build_world(app)
    before = table_rows(app)
    assert not [name for name in FILLED if not before[name]], "the world fills these tables"
    if "revisions" in before:
        assert before["revisions"], "every save of a piece leaves a revision"
    archive = tmp_path / "site.tar.gz"

    made = invoke(app, "backup", str(archive))
    assert made.exit_code == 0, made.output
    assert made.output == (
        f"Backup written to {archive} ({human_size(archive.stat().st_size)})\n"
        f"  database: {KIND}, schema {', '.join(heads(app))}\n"
        f"  rows: {rows_line(before)}\n"
        f"  uploads: 1 file ({human_size(len(world.image_bytes))})\n")

    restored = new_instance()
    done = invoke(restored, "restore", str(archive))
    assert done.exit_code == 0, done.output
    manifest = manifest_of(archive)
    assert done.output.endswith(
        f"Restored {archive} (made {manifest['created_at']}, {KIND})\n"
        f"  schema: {', '.join(heads(app))}\n"
        f"  rows: {rows_line(before)}\n"
        "  uploads: 1 file\n"
        "  e-mail hashes recomputed under this site's key: 0\n"
        "  search index rebuilt: 2 pieces\n")

    assert table_rows(restored) == before
    with restored.app_context():
        assert (upload_folder() / world.image_filename).read_bytes() == world.image_bytes
        assert [hit.id for hit in search.search("defenders", {}).hits] == [world.article_id]
        assert [hit.id for hit in search.search("Иван", {}).hits] == [world.interview_id]
        assert {hit.id for hit in search.search("Baki", {}).hits} == {world.article_id, world.interview_id}
    reader = restored.test_client()
    page = reader.get(f"/articles/{world.article_slug}").get_data(as_text=True)
    assert world.approved_text in page and world.pending_text not in page
    with reader.get(f"/media/{world.image_filename}") as image:
        assert image.status_code == 200 and image.data == world.image_bytes


def test_the_archive_holds_a_manifest_the_database_and_the_uploads(app, tmp_path):
    world = build_world(app)
    with app.app_context():
        (upload_folder() / "0123456789abcdef0123456789abcdef.png").write_bytes(b"no image names me")
    archive = tmp_path / "site.tar.gz"
    made = invoke(app, "backup", str(archive))
    assert made.exit_code == 0, made.output
    assert made.output.endswith("  left out: 1 file in the uploads folder that no image names\n")
    assert archive.stat().st_mode & 0o777 == 0o600  # password hashes and addresses inside
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        members = {name: tar.extractfile(name).read() for name in names}
    assert names == ["manifest.json", MEMBER, f"uploads/{world.image_filename}"]
    manifest = json.loads(members.pop("manifest.json"))
    counts = {table: len(rows) for table, rows in table_rows(app).items()}
    assert manifest == {
        "format": "campaign-cms-backup", "format_version": 1, "database": KIND,
        "created_at": manifest["created_at"], "software": manifest["software"],
        "schema_revisions": heads(app), "counts": counts, "uploads_missing": [],
        "files": {name: {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
                  for name, data in members.items()},
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", manifest["created_at"])
    assert manifest["software"].startswith("campaign-cms")
    assert members[f"uploads/{world.image_filename}"] == world.image_bytes


def test_an_image_file_missing_from_the_uploads_is_named(app, tmp_path):
    world = build_world(app)
    with app.app_context():
        (upload_folder() / world.image_filename).unlink()
    archive = tmp_path / "site.tar.gz"
    made = invoke(app, "backup", str(archive))
    assert made.exit_code == 0, made.output
    assert "  uploads: 0 files (0 bytes)\n" in made.output
    assert made.output.endswith(f"  warning: 1 file that images name was not in the uploads folder: "
                                f"{world.image_filename}\n")
    manifest = manifest_of(archive)
    assert manifest["uploads_missing"] == [world.image_filename]


def test_a_restore_under_another_secret_key_recomputes_the_email_hashes(app, new_instance, tmp_path):
    build_world(app)
    before = table_rows(app)
    archive = tmp_path / "site.tar.gz"
    assert invoke(app, "backup", str(archive)).exit_code == 0
    restored = new_instance(SECRET_KEY="another secret key")
    done = invoke(restored, "restore", str(archive))
    assert done.exit_code == 0, done.output
    assert "  e-mail hashes recomputed under this site's key: 4\n" in done.output

    after = table_rows(restored)
    assert {t: r for t, r in after.items() if t != "comments"} == {
        t: r for t, r in before.items() if t != "comments"}
    with restored.app_context():
        found = db.session.execute(select(Comment.id, Comment.author_email, Comment.email_hash)
                                   .order_by(Comment.id)).all()
        assert [h for _, _, h in found] == [identity.email_hash(e) for _, e, _ in found]
        # The same commenter is recognised: a new comment's history counts the restored ones.
        article = db.session.scalar(select(Piece).where(Piece.title == "Blocked in Bakı"))
        new = comments.post_comment(article, "Reader One", "one@example.org", "Back again.")
        moderator = db.session.scalar(select(User).where(User.email == "mo@example.org"))
        assert history.earlier_comments(moderator, [new]) == {new.id: history.Earlier(approved=1)}
    with app.app_context():
        old = db.session.scalars(select(Comment.email_hash).order_by(Comment.id)).all()
    assert sum(a != b for a, b in zip(old, [h for _, _, h in found], strict=True)) == 4


def test_an_archive_of_an_older_schema_is_migrated_to_the_head(new_instance, tmp_path):
    old = new_instance("old")
    with old.app_context():
        script = ScriptDirectory.from_config(old.extensions["migrate"].migrate.get_config())
        earlier = script.get_revision(sorted(script.get_heads())[0]).down_revision
        earlier = earlier[0] if isinstance(earlier, tuple) else earlier
        upgrade(revision=earlier)
        db.session.execute(text(
            "INSERT INTO users (email, display_name, password_hash, role, active, created_at) "
            "VALUES ('old@example.org', 'Old Timer', 'x', 'writer', true, '2026-11-28 10:00:00')"))
        db.session.commit()
    archive = tmp_path / "old.tar.gz"
    made = invoke(old, "backup", str(archive))
    assert made.exit_code == 0, made.output
    assert f"  database: {KIND}, schema {earlier}\n" in made.output

    restored = new_instance()
    done = invoke(restored, "restore", str(archive))
    assert done.exit_code == 0, done.output
    assert f"  schema: {earlier}, upgraded to {', '.join(heads(restored))}\n" in done.output
    rows = table_rows(restored)
    assert rows["alembic_version"] == [(head,) for head in heads(restored)]
    assert [row[1] for row in rows["users"]] == ["old@example.org"]


def _write_pairs(app: Flask, stop: threading.Event, written: list[int], errors: list[BaseException]) -> None:
    """Two audit events per transaction, numbered, until told to stop."""
    try:
        with app.app_context():
            while not stop.is_set():
                n = len(written)
                with db.engine.begin() as conn:
                    conn.execute(insert(AuditEvent), [
                        {"at": utcnow(), "actor_name": "writer thread", "action": AuditAction.PUBLISH,
                         "subject": f"pair {n}", "detail": half} for half in ("a", "b")])
                written.append(n)
    except BaseException as exc:  # the test reports it
        errors.append(exc)


def test_a_backup_while_another_connection_writes_is_consistent(app, new_instance, tmp_path):
    stop, written, errors = threading.Event(), [], []
    writer = threading.Thread(target=_write_pairs, args=(app, stop, written, errors))
    writer.start()
    try:
        while len(written) < 20 and writer.is_alive():
            threading.Event().wait(0.01)
        archive = tmp_path / "busy.tar.gz"
        made = invoke(app, "backup", str(archive))
        at_backup = len(written)
        while len(written) < at_backup + 20 and writer.is_alive():
            threading.Event().wait(0.01)
    finally:
        stop.set()
        writer.join(30)
    assert errors == [] and made.exit_code == 0, (errors, made.output)

    restored = new_instance()
    assert invoke(restored, "restore", str(archive)).exit_code == 0
    events = [row for row in table_rows(restored)["audit_events"] if row[3] == "writer thread"]
    pairs = {}
    for row in events:
        pairs.setdefault(row[6], []).append(row[7])
    assert pairs and all(sorted(halves) == ["a", "b"] for halves in pairs.values())
    assert 20 <= len(pairs) < len(written)  # taken while the writer went on
    manifest = manifest_of(archive)
    assert manifest["counts"]["audit_events"] == len(events)


def test_a_write_not_yet_committed_is_not_in_the_backup(app, new_instance, tmp_path):
    archive = tmp_path / "site.tar.gz"
    with app.app_context(), db.engine.connect() as other:
        other.execute(insert(AuditEvent).values(at=utcnow(), actor_name="someone",
                                                action=AuditAction.PUBLISH, subject="uncommitted"))
        made = invoke(app, "backup", str(archive))  # the other transaction holds its write
        other.commit()
    assert made.exit_code == 0, made.output
    restored = new_instance()
    assert invoke(restored, "restore", str(archive)).exit_code == 0
    assert table_rows(restored)["audit_events"] == []
    assert len(table_rows(app)["audit_events"]) == 1


@pytest.mark.skipif(BACKEND == "postgres", reason="an empty SQLite file")
def test_an_empty_database_file_counts_as_empty(app, new_instance, tmp_path):
    build_world(app)
    archive = tmp_path / "site.tar.gz"
    assert invoke(app, "backup", str(archive)).exit_code == 0
    restored = new_instance()
    database = Path(restored.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    database.write_bytes(b"")
    done = invoke(restored, "restore", str(archive))
    assert done.exit_code == 0, done.output
    assert table_rows(restored) == table_rows(app)


def test_email_hashes_are_recomputed_in_batches_and_only_where_they_differ(app):
    build_world(app)
    app.config["SECRET_KEY"] = "a key the comments were not hashed under"
    with app.app_context():
        assert identity.recompute_email_hashes(batch=2) == 4
        assert identity.recompute_email_hashes(batch=2) == 0
        found = db.session.execute(select(Comment.author_email, Comment.email_hash)).all()
        assert sorted((e, h) for e, h in found) == sorted((e, identity.email_hash(e)) for e, _ in found)
        assert [h for e, h in found if not e] == [None]
