"""Backing the site up into one archive while it runs, and restoring an archive into an empty
instance: the rules, with no `request`, called by the CLI and the tests."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from flask import current_app
from sqlalchemy import inspect, text
from sqlalchemy.exc import SQLAlchemyError

from cms import pagecache
from cms.articles.images import upload_folder
from cms.backup import BackupError, archive
from cms.backup.archive import UPLOAD_NAME, UPLOADS, Manifest
from cms.backup.postgres import PostgresDatabase
from cms.backup.snapshot import Database, State, read_state
from cms.backup.sqlite import SQLiteDatabase
from cms.comments.identity import recompute_email_hashes
from cms.extensions import db
from cms.search import services as search


@dataclass(frozen=True)
class BackupResult:
    """An archive written: where, how big, what it holds."""

    path: Path
    size: int
    manifest: Manifest
    left_out: int  # files in the uploads folder that no image of the snapshot names


@dataclass(frozen=True)
class RestoreResult:
    """An archive restored: what it was, and the site as it now is."""

    manifest: Manifest
    revisions: tuple[str, ...]  # after the migrations
    counts: dict[str, int]  # rows per table, after the migrations
    uploads: int
    rehashed: int  # comments whose e-mail hash changed (another secret key)
    indexed: int  # pieces in the rebuilt search index


def site_database() -> Database:
    """The site's database, as a backup handles it (SQLite or PostgreSQL)."""
    url = db.engine.url
    if url.get_backend_name() == "sqlite":
        return SQLiteDatabase(url, current_app.config["CMS_SQLITE_BUSY_TIMEOUT_MS"] / 1000)
    if url.get_backend_name() == "postgresql":
        return PostgresDatabase(db.engine)
    raise BackupError(f"backups handle SQLite and PostgreSQL, not {url.get_backend_name()}")


def _software() -> str:
    try:
        return f"campaign-cms {metadata.version('campaign-cms')}"
    except metadata.PackageNotFoundError:
        return "campaign-cms"


def _staging(prefix: str) -> tempfile.TemporaryDirectory[str]:
    """A private working folder in the instance folder: on the uploads' file system, so that
    staging an upload is a hard link, not a copy."""
    return tempfile.TemporaryDirectory(dir=current_app.instance_path, prefix=prefix)


def stage_uploads(folder: Path, into: Path, names: Iterable[str] | None = None) -> set[str]:
    """Hard links (copies where a link fails) of upload files in `into`, which keep each file's
    bytes even if the site deletes it meanwhile; `names` None: every file there. Those staged."""
    chosen = [p.name for p in folder.iterdir() if p.is_file()] if names is None else names
    staged = set()
    for name in chosen:
        if not UPLOAD_NAME.fullmatch(name):
            continue
        try:
            os.link(folder / name, into / name)
        except FileExistsError:
            pass
        except FileNotFoundError:
            continue
        except OSError:  # another file system, or no hard links there
            try:
                shutil.copy2(folder / name, into / name)
            except FileNotFoundError:
                continue
        staged.add(name)
    return staged


def backup(target: Path) -> BackupResult:
    """Write the database snapshot and the upload files it names, with a manifest, to `target`.

    The uploads are linked aside before the snapshot (a file deleted during the backup is kept)
    and once more after it for the files added meanwhile; those that no image of the snapshot
    names are left out, since the restored site would not know them.
    """
    target = Path(target).absolute()
    if target.is_dir() or not target.parent.is_dir():
        raise BackupError(f"{target} cannot be written: give a file name in an existing folder")
    database, uploads = site_database(), upload_folder()
    with _staging(".backup-") as work:
        staged = Path(work) / UPLOADS
        staged.mkdir()
        before = stage_uploads(uploads, staged)
        snapshot = database.snapshot(Path(work))
        named = set(snapshot.state.filenames)
        present = sorted((before & named) | stage_uploads(uploads, staged, named - before))
        sources = {archive.DATABASE_MEMBERS[database.kind]: snapshot.path}
        sources |= {UPLOADS + name: staged / name for name in present}
        manifest = Manifest(
            database=database.kind, schema_revisions=snapshot.state.revisions,
            created_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            counts=snapshot.state.counts,
            files={name: archive.digest(path) for name, path in sources.items()},
            uploads_missing=tuple(sorted(named - set(present))), software=_software())
        size = archive.write(target, manifest, sources)
    return BackupResult(target, size, manifest, len(before - named))


def _migrations() -> ScriptDirectory:
    return ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())


def check_revisions(manifest: Manifest) -> None:
    """Refuse an archive whose schema this code's migrations do not know (a newer version's)."""
    script = _migrations()
    for revision in manifest.schema_revisions:
        try:
            found = script.get_revision(revision)
        except CommandError:
            found = None
        known = found is not None and found.revision == revision  # an id, not "head" or a prefix
        if not known:
            raise BackupError(
                f"the archive's schema (revision {revision}) is newer than this code's migrations "
                f"(head {', '.join(sorted(script.get_heads()))}): restore it with the version that made it")


def check_target(manifest: Manifest, database: Database) -> None:
    """Refuse unless the archive fits this site and the site is empty (database and uploads)."""
    if manifest.database != database.kind:
        names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
        raise BackupError(
            f"the archive holds a {names[manifest.database]} database and this site runs on "
            f"{names[database.kind]}: restoring across database kinds is not supported")
    check_revisions(manifest)
    database.check_empty()
    uploads = upload_folder()
    if any(uploads.iterdir()):
        raise BackupError(f"the uploads folder {uploads} is not empty: restore needs an empty instance")


def restore(source: Path) -> RestoreResult:
    """Load an archive into this empty site: its database (then migrated to this code's head),
    its uploads, the e-mail hashes under this site's key, a new search index.

    Every check comes before the first change: a refused or damaged archive changes nothing.
    """
    source = Path(source).absolute()
    manifest = archive.read_manifest(source)
    database = site_database()
    check_target(manifest, database)
    uploads = upload_folder()
    with _staging(".restore-") as work:
        files = archive.extract(source, manifest, Path(work))
        db.session.remove()
        db.engine.dispose()  # no connection of the pool holds the old (empty) database
        database.load(files[manifest.database_member], State(manifest.schema_revisions, manifest.counts, ()))
        for name in manifest.uploads():
            shutil.move(files[UPLOADS + name], uploads / name)
    return _after_loading(manifest)


def _after_loading(manifest: Manifest) -> RestoreResult:
    """The restored database brought to this code's schema and this site's key, the page cache
    emptied and the search index rebuilt. A failure here is told with what to run next."""
    was = ", ".join(manifest.schema_revisions)
    try:
        command.upgrade(current_app.extensions["migrate"].migrate.get_config(), "heads")
    except (CommandError, SQLAlchemyError) as exc:
        raise BackupError(f"the archive is restored at schema {was}, but the migrations failed "
                          f"({exc}): see `flask --app cms db upgrade`") from exc
    rehashed = recompute_email_hashes()
    pagecache.bump_generation()
    try:
        indexed = search.reindex()
    except Exception as exc:  # the site is restored; only the derived index is missing
        raise BackupError(f"the archive is restored, but the search index was not rebuilt ({exc}): "
                          "run `flask --app cms search reindex`") from exc
    state = current_state()
    return RestoreResult(manifest, state.revisions, state.counts, len(manifest.uploads()), rehashed, indexed)


def current_state() -> State:
    """The site's database now: schema revisions, rows per table, image files."""
    tables = inspect(db.engine).get_table_names()
    state = read_state(lambda sql: list(db.session.execute(text(sql)).all()), tables)
    db.session.commit()
    return state
