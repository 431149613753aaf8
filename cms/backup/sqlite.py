"""SQLite: a snapshot through SQLite's online backup API, consistent while the site writes (in
WAL mode readers do not block writers, and the copy is made in one step inside one read
transaction); a restore places the checked copy with one rename."""

from __future__ import annotations

import os
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import URL

from cms.backup import BackupError
from cms.backup.archive import DATABASE_MEMBERS
from cms.backup.snapshot import Snapshot, State, check_loaded, read_state

MEMBER = DATABASE_MEMBERS["sqlite"]
TABLES = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
JOURNALS = ("-wal", "-shm", "-journal")


def _tables(conn: sqlite3.Connection) -> list[str]:
    return [row[0] for row in conn.execute(TABLES)]


def _state(conn: sqlite3.Connection) -> State:
    return read_state(lambda sql: conn.execute(sql).fetchall(), _tables(conn))


def _open(path: Path, mode: str, timeout: float = 5.0) -> sqlite3.Connection:
    """A connection that never creates the file (`mode` rw or ro)."""
    return sqlite3.connect(f"{path.as_uri()}?mode={mode}", uri=True, timeout=timeout)


class SQLiteDatabase:
    """The SQLite file the site's URL names."""

    kind = "sqlite"

    def __init__(self, url: URL, timeout: float) -> None:
        name = url.database or ""
        if name in {"", ":memory:"} or url.query.get("mode") == "memory":
            raise BackupError("the site's database is in memory: there is no file to back up or restore")
        self.path = Path(name).absolute()
        self.timeout = timeout

    def snapshot(self, into: Path) -> Snapshot:
        """A copy of the live database in `into`, checked, and what it holds."""
        if not self.path.is_file():
            raise BackupError(f"there is no database at {self.path}: nothing to back up")
        target = into / MEMBER
        try:
            with closing(_open(self.path, "rw", self.timeout)) as live, \
                    closing(sqlite3.connect(target)) as copy:
                live.backup(copy)  # every page in one step: one read transaction, one moment
                copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
                _check(copy, f"the snapshot of {self.path}")
                state = _state(copy)
        except sqlite3.Error as exc:
            raise BackupError(f"could not take a snapshot of {self.path}: {exc}") from exc
        return Snapshot(target, state)

    def check_empty(self) -> None:
        """Refuse unless there is no database file, or one with no table."""
        if not self.path.exists() or (self.path.is_file() and self.path.stat().st_size == 0):
            return
        try:
            with closing(_open(self.path, "ro", self.timeout)) as conn:
                tables = _tables(conn)
        except sqlite3.Error as exc:
            raise BackupError(f"{self.path} is there and is not an empty database ({exc}): "
                              "restore needs an empty instance") from exc
        if tables:
            raise BackupError(f"the database {self.path} is not empty (it has {len(tables)} tables): "
                              "restore needs an empty instance; move that file away first")

    def load(self, staged: Path, expected: State) -> None:
        """Check the unpacked copy, then put it in place of the (empty) database in one rename."""
        try:
            with closing(_open(staged, "ro")) as conn:
                _check(conn, "the database in the archive")
                check_loaded(_state(conn), expected, "the database in the archive")
        except sqlite3.Error as exc:
            raise BackupError(f"the archive is damaged: its database cannot be read ({exc})") from exc
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{self.path.name}.restoring")
        try:
            shutil.move(staged, temporary)  # a rename on the same file system, else a copy
            with open(temporary, "rb+") as handle:
                os.fsync(handle.fileno())
            for stale in (self.path, *(self.path.with_name(self.path.name + j) for j in JOURNALS)):
                stale.unlink(missing_ok=True)  # the empty database, and journals that are not ours
            os.replace(temporary, self.path)
        except OSError as exc:
            temporary.unlink(missing_ok=True)
            raise BackupError(f"could not write {self.path}: {exc.strerror or exc}") from exc


def _check(conn: sqlite3.Connection, what: str) -> None:
    result = conn.execute("PRAGMA quick_check").fetchone()[0]
    if result != "ok":
        raise BackupError(f"{what} failed SQLite's check: {result}")
