"""What a database snapshot holds, read with plain SQL from the snapshot itself: its schema
revisions, the rows of each table and the image files it names; and the engine of each kind."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from cms.backup import BackupError

Query = Callable[[str], list[Any]]


@dataclass(frozen=True)
class State:
    """A database as a backup sees it."""

    revisions: tuple[str, ...]  # alembic_version
    counts: dict[str, int]  # rows per table, by name
    filenames: tuple[str, ...]  # images.filename: the upload files the rows need


@dataclass(frozen=True)
class Snapshot:
    """A snapshot written to `path`, and the state it holds."""

    path: Path
    state: State


class Database(Protocol):
    """The site's database, of one kind: snapshot it, check it is empty, load a snapshot."""

    kind: str

    def snapshot(self, into: Path) -> Snapshot: ...

    def check_empty(self) -> None: ...

    def load(self, staged: Path, expected: State) -> None: ...


def quoted(name: str) -> str:
    """A table name as an SQL identifier (it comes from the database's own catalogue)."""
    return '"' + name.replace('"', '""') + '"'


def read_state(query: Query, tables: Iterable[str]) -> State:
    """The schema revisions, rows per table and image files, all from one connection (so, in a
    snapshot's transaction, all as of the same moment)."""
    counts = {name: int(query(f"SELECT count(*) FROM {quoted(name)}")[0][0]) for name in sorted(tables)}
    if "alembic_version" not in counts:
        raise BackupError("the database has no schema revision (no alembic_version table): "
                          "it was not made by `flask --app cms db upgrade`")
    revisions = tuple(sorted(str(row[0]) for row in query("SELECT version_num FROM alembic_version")))
    filenames: tuple[str, ...] = ()
    if "images" in counts:
        filenames = tuple(sorted(str(row[0]) for row in query("SELECT filename FROM images")))
    return State(revisions, counts, filenames)


def check_loaded(loaded: State, expected: State, where: str) -> None:
    """A loaded snapshot holds what the manifest says, table by table."""
    if loaded.revisions != expected.revisions:
        raise BackupError(f"the archive is damaged: {where} is at schema {', '.join(loaded.revisions)}, "
                          f"its manifest says {', '.join(expected.revisions)}")
    for table in sorted(set(loaded.counts) | set(expected.counts)):
        if loaded.counts.get(table) != expected.counts.get(table):
            raise BackupError(f"the archive is damaged: {where} holds {loaded.counts.get(table, 0)} rows "
                              f"of {table}, its manifest says {expected.counts.get(table, 0)}")
