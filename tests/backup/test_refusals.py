"""What `flask restore` refuses, and `flask backup` when it cannot write: one line (`Error: ...`),
exit code 1, no traceback, and nothing changed: the target stays empty, an old archive stays."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import inspect

from cms.articles.images import upload_folder
from cms.backup import archive as archive_module
from cms.backup.cli import human_size
from cms.extensions import db
from tests.backup.conftest import build_world, invoke, table_rows
from tests.backup.test_roundtrip import KIND, MEMBER, heads
from tests.conftest import BACKEND

Members = list[tuple[str, bytes]]


@pytest.fixture
def good_archive(app: Flask, tmp_path: Path) -> Path:
    """An archive of the world, made by `flask backup`."""
    build_world(app)
    path = tmp_path / "good.tar.gz"
    assert invoke(app, "backup", str(path)).exit_code == 0
    return path


def members_of(path: Path) -> Members:
    with tarfile.open(path) as tar:
        return [(m.name, tar.extractfile(m).read()) for m in tar.getmembers()]


def write_members(path: Path, members: Members) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def edit_manifest(members: Members, change: Callable[[dict], None]) -> Members:
    manifest = json.loads(members[0][1])
    change(manifest)
    return [("manifest.json", json.dumps(manifest).encode()), *members[1:]]


def assert_untouched(app: Flask, uploads: list[str] | None = None) -> None:
    """The target is as empty as before: no table, no upload, no working folder left."""
    with app.app_context():
        if BACKEND == "postgres":
            assert inspect(db.engine).get_table_names() == []
            db.engine.dispose()
        else:  # asking SQLite would create the file
            assert not Path(db.engine.url.database).exists()
        assert [p.name for p in upload_folder().iterdir()] == (uploads or [])
    assert sorted(p.name for p in Path(app.instance_path).iterdir()) == ["uploads"]


Maker = Callable[[Path, Members], Path]


def raw(data: bytes) -> Maker:
    """A file of these bytes."""
    def make(path: Path, members: Members) -> Path:
        path.write_bytes(data)
        return path
    return make


def retarred(change: Callable[[Members], Members]) -> Maker:
    """The good archive's members, changed, in a new archive."""
    return lambda path, members: write_members(path, change(members))


def remanifested(change: Callable[[dict], None]) -> Maker:
    """The good archive with its manifest changed."""
    return retarred(lambda members: edit_manifest(members, change))


def missing(path: Path, members: Members) -> Path:
    return path


def folder(path: Path, members: Members) -> Path:
    path.mkdir()
    return path


def cut_short(path: Path, members: Members) -> Path:
    path.write_bytes(write_members(path, members).read_bytes()[:3000])
    return path


def flip_database_byte(members: Members) -> Members:
    name, data = members[1]
    return [members[0], (name, data[:100] + bytes([data[100] ^ 1]) + data[101:]), *members[2:]]


def junk_database(members: Members) -> Members:
    """The database member replaced by bytes that are no database, its checksum made to match."""
    junk = b"no database here " * 200
    members = [(name, junk if name == MEMBER else data) for name, data in members]
    return edit_manifest(members, lambda j: j["files"].update(
        {MEMBER: {"size": len(junk), "sha256": hashlib.sha256(junk).hexdigest()}}))


NOT_READABLE = "{path} is not a readable backup archive"
# Each damage: how to make the file from the good archive's members, and the message.
DAMAGES: dict[str, tuple[Maker, str]] = {
    "missing": (missing, "{path}: no such file"),
    "a folder": (folder, "{path} is not a file"),
    "empty": (raw(b""), NOT_READABLE + " (it is empty)"),
    "text": (raw(b"hello\n" * 100), NOT_READABLE + " (it is not gzip-compressed)"),
    "gzip, not tar": (raw(gzip.compress(b"hello" * 200)), NOT_READABLE + " (it is not a tar archive)"),
    "cut short": (cut_short, NOT_READABLE + " (it is cut short)"),
    "no manifest first": (retarred(lambda m: [m[1], m[0], *m[2:]]),
                          "{path} is not a Campaign CMS backup: it does not begin with manifest.json"),
    "manifest not JSON": (retarred(lambda m: [("manifest.json", b"{nope"), *m[1:]]),
                          "the archive's manifest is damaged: it is not valid JSON"),
    "another format": (remanifested(lambda j: j.update(format="zip")),
                       "not a Campaign CMS backup: its manifest does not say so"),
    "newer format": (remanifested(lambda j: j.update(format_version=2)),
                     "the archive is in format 2, made by a newer version of the CMS; "
                     "this one reads format 1"),
    "no counts": (remanifested(lambda j: j.pop("counts")),
                  "the archive's manifest is damaged: 'counts' is missing or not a dict"),
    "a path in the manifest": (
        remanifested(lambda j: j["files"].update({"uploads/../../etc/x": {"size": 1, "sha256": "0" * 64}})),
        "the archive's manifest is damaged: unexpected member 'uploads/../../etc/x'"),
    "database changed": (retarred(flip_database_byte),
                         f"the archive is damaged: {MEMBER} does not match its checksum"),
    "an upload left out": (retarred(lambda m: m[:2]), "{path} is incomplete: {upload} is missing"),
    "a member not listed": (retarred(lambda m: [*m, ("uploads/extra.png", b"x")]),
                            "{path} is damaged: unexpected member 'uploads/extra.png'"),
    "no database inside": (retarred(junk_database), (
        "pg_restore failed: pg_restore: error: input file does not appear to be a valid archive"
        if BACKEND == "postgres" else
        "the archive is damaged: its database cannot be read (file is not a database)")),
    "rows that do not match": (remanifested(lambda j: j["counts"].update(users=99)),
                               "the archive is damaged: {where} holds 3 rows of users, its manifest says 99"),
}


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_a_damaged_archive_is_one_line_and_changes_nothing(damage, good_archive, new_instance, tmp_path):
    make, message = DAMAGES[damage]
    members = members_of(good_archive)
    path = make(tmp_path / "bad.tar.gz", members)
    target = new_instance()
    where = ("the database in the archive" if BACKEND != "postgres"
             else f"the database {target.config['SQLALCHEMY_DATABASE_URI'].rsplit('/', 1)[1]}")
    done = invoke(target, "restore", str(path))
    expected = message.format(path=path, upload=members[2][0], where=where)
    assert (done.exit_code, done.output) == (1, f"Error: {expected}\n")
    assert_untouched(target)


def test_an_archive_of_a_newer_schema_is_refused(good_archive, new_instance, tmp_path):
    path = write_members(tmp_path / "newer.tar.gz", edit_manifest(
        members_of(good_archive), lambda j: j.update(schema_revisions=["9999"])))
    target = new_instance()
    done = invoke(target, "restore", str(path))
    assert (done.exit_code, done.output) == (1, (
        f"Error: the archive's schema (revision 9999) is newer than this code's migrations "
        f"(head {', '.join(heads(target))}): restore it with the version that made it\n"))
    assert_untouched(target)


def test_an_archive_of_the_other_database_kind_is_refused(good_archive, new_instance, tmp_path):
    other, member = (("sqlite", "database.sqlite3") if KIND == "postgresql"
                     else ("postgresql", "database.pgdump"))
    members = members_of(good_archive)

    def change(manifest: dict) -> None:
        manifest["database"] = other
        manifest["files"][member] = manifest["files"].pop(MEMBER)

    path = write_members(tmp_path / "other.tar.gz", [
        (name if name != MEMBER else member, data) for name, data in edit_manifest(members, change)])
    target = new_instance()
    done = invoke(target, "restore", str(path))
    names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    assert (done.exit_code, done.output) == (1, (
        f"Error: the archive holds a {names[other]} database and this site runs on {names[KIND]}: "
        "restoring across database kinds is not supported\n"))
    assert_untouched(target)


def test_a_restore_into_a_site_with_data_is_refused_and_changes_nothing(app, good_archive):
    before = table_rows(app)
    with app.app_context():
        uploads = sorted(upload_folder().iterdir())
        tables = len(inspect(db.engine).get_table_names())
        where = (f"the database {db.engine.url.database} is not empty (it has {tables} tables): "
                 "restore needs an empty instance; move that file away first" if BACKEND != "postgres" else
                 f"the database {db.engine.url.database} is not empty (its public schema has {tables} "
                 "tables): restore needs an empty database; create a new one")
    done = invoke(app, "restore", str(good_archive))
    assert (done.exit_code, done.output) == (1, f"Error: {where}\n")
    assert table_rows(app) == before
    with app.app_context():
        assert sorted(upload_folder().iterdir()) == uploads


def test_a_restore_into_a_migrated_but_empty_database_is_refused(good_archive, new_instance):
    target = new_instance()
    with target.app_context():
        upgrade(revision="heads")
        db.engine.dispose()
    done = invoke(target, "restore", str(good_archive))
    assert done.exit_code == 1 and done.output.startswith("Error: the database ")
    assert "is not empty" in done.output and done.output.count("\n") == 1
    assert all(rows == [] for table, rows in table_rows(target).items() if table != "alembic_version")


def test_a_restore_with_files_in_the_uploads_folder_is_refused(good_archive, new_instance):
    target = new_instance()
    with target.app_context():
        folder = upload_folder()
        (folder / "left.png").write_bytes(b"someone's")
    done = invoke(target, "restore", str(good_archive))
    assert (done.exit_code, done.output) == (
        1, f"Error: the uploads folder {folder} is not empty: restore needs an empty instance\n")
    assert_untouched(target, uploads=["left.png"])
    assert [p.name for p in folder.iterdir()] == ["left.png"]


def test_a_failed_backup_leaves_the_old_archive_and_no_half_file(app, tmp_path, monkeypatch):
    build_world(app)
    path = tmp_path / "site.tar.gz"
    path.write_bytes(b"yesterday's archive")
    written = []

    def full_disk(tar: tarfile.TarFile, name: str, handle: io.BufferedIOBase, size: int) -> None:
        if written:
            raise OSError(28, "No space left on device")
        written.append(name)
        original(tar, name, handle, size)

    original = archive_module.add_member
    monkeypatch.setattr(archive_module, "add_member", full_disk)
    done = invoke(app, "backup", str(path))
    assert (done.exit_code, done.output) == (1, f"Error: could not write {path}: No space left on device\n")
    assert written == ["manifest.json"]
    assert path.read_bytes() == b"yesterday's archive"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
    assert not [p for p in Path(app.instance_path).iterdir() if p.name.startswith(".backup-")]


def test_a_new_backup_replaces_the_old_archive_whole(app, tmp_path):
    (tmp_path / "archives").mkdir()
    path = tmp_path / "archives" / "site.tar.gz"
    path.write_bytes(b"yesterday's archive")
    done = invoke(app, "backup", str(path))
    assert done.exit_code == 0, done.output
    assert members_of(path)[0][0] == "manifest.json"
    assert [p.name for p in path.parent.iterdir()] == ["site.tar.gz"]


def test_a_backup_into_a_missing_folder_is_refused(app, tmp_path):
    path = tmp_path / "nowhere" / "site.tar.gz"
    done = invoke(app, "backup", str(path))
    assert (done.exit_code, done.output) == (
        1, f"Error: {path} cannot be written: give a file name in an existing folder\n")


@pytest.mark.skipif(BACKEND != "postgres", reason="pg_dump is for PostgreSQL")
def test_without_pg_dump_the_backup_says_what_to_install(app, tmp_path, monkeypatch):
    from cms.backup import postgres

    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(postgres, "CLIENT_ROOTS", (str(tmp_path),))
    done = invoke(app, "backup", str(tmp_path / "site.tar.gz"))
    assert (done.exit_code, done.output) == (1, (
        "Error: pg_dump was not found on PATH nor under /usr/lib/postgresql/*/bin: install the "
        "PostgreSQL client tools (Debian: apt-get install postgresql-client)\n"))


def test_the_client_tools_are_found_on_path_or_the_newest_under_usr_lib(tmp_path, monkeypatch):
    from cms.backup import BackupError, postgres

    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    for version in ("9.6", "13", "15"):
        tool = tmp_path / "lib" / version / "bin" / "pg_dump"
        tool.parent.mkdir(parents=True)
        tool.write_text("#!/bin/sh\n")
        tool.chmod(0o755)
    assert postgres.find_tool("pg_dump", [str(tmp_path / "lib")]) == str(tmp_path / "lib/15/bin/pg_dump")
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "pg_dump").write_text("#!/bin/sh\n")
    (tmp_path / "bin" / "pg_dump").chmod(0o755)
    assert postgres.find_tool("pg_dump", [str(tmp_path / "lib")]) == str(tmp_path / "bin/pg_dump")
    with pytest.raises(BackupError, match="^pg_restore was not found on PATH"):
        postgres.find_tool("pg_restore", [str(tmp_path / "lib")])


def test_sizes_read_as_people_read_them():
    assert [human_size(n) for n in (0, 1, 1023, 1024, 1536, 10 * 1024**2 + 1, 3 * 1024**3, 5 * 1024**4)] == [
        "0 bytes", "1 byte", "1023 bytes", "1.0 KB", "1.5 KB", "10.0 MB", "3.0 GB", "5.0 TB"]


def test_checksums_in_the_manifest_are_the_members(good_archive):
    members = dict(members_of(good_archive))
    files = json.loads(members.pop("manifest.json"))["files"]
    assert {name: hashlib.sha256(data).hexdigest() for name, data in members.items()} == {
        name: entry["sha256"] for name, entry in files.items()}


def test_a_restore_whose_index_rebuild_fails_says_what_to_run(good_archive, new_instance, monkeypatch):
    from cms.search import services as search

    def locked() -> int:
        raise TimeoutError("search: the index stayed locked")

    monkeypatch.setattr(search, "reindex", locked)
    target = new_instance()
    done = invoke(target, "restore", str(good_archive))
    assert (done.exit_code, done.output.splitlines()[-1]) == (1, (
        "Error: the archive is restored, but the search index was not rebuilt (search: the index "
        "stayed locked): run `flask --app cms search reindex`"))
    assert table_rows(target)["pieces"]
