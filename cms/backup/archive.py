"""The archive: one gzip-compressed tar file, `manifest.json` first, then the database snapshot
and the uploads, each member checked on restore against the size and SHA-256 in the manifest.

Written to a temporary file beside the target and renamed into place, so the target is always
the old file or the whole new one. The file is private to its owner (mode 0600): it holds
password hashes, two-factor secrets and commenters' e-mail addresses.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tarfile
import tempfile
import time
import zlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from cms.backup import BackupError

FORMAT = "campaign-cms-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
UPLOADS = "uploads/"
DATABASE_MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
# The names the site gives uploads (32 hex digits and an extension): one plain file name,
# never a path, never hidden.
UPLOAD_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
MANIFEST_MAX_BYTES = 16 * 1024 * 1024
CHUNK = 1024 * 1024
READ_ERRORS = (tarfile.TarError, OSError, EOFError, zlib.error)


@dataclass(frozen=True)
class Entry:
    """A member's size in bytes and its SHA-256, as hex."""

    size: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    """What an archive holds: the kind of database, its schema, rows per table, every member."""

    database: str  # "sqlite" or "postgresql"
    schema_revisions: tuple[str, ...]  # alembic_version of the snapshot (one, unless branches)
    created_at: str  # ISO 8601, UTC
    counts: dict[str, int]  # rows per table of the snapshot, alembic_version included
    files: dict[str, Entry]  # every member but the manifest, by name
    uploads_missing: tuple[str, ...] = ()  # files the snapshot's images name that were not on disk
    software: str = ""

    @property
    def database_member(self) -> str:
        return DATABASE_MEMBERS[self.database]

    def uploads(self) -> dict[str, Entry]:
        """The upload files, by file name."""
        return {name.removeprefix(UPLOADS): entry for name, entry in self.files.items()
                if name.startswith(UPLOADS)}

    def to_json(self) -> bytes:
        body = {
            "format": FORMAT, "format_version": FORMAT_VERSION, "created_at": self.created_at,
            "software": self.software, "database": self.database,
            "schema_revisions": list(self.schema_revisions), "counts": self.counts,
            "files": {name: {"size": e.size, "sha256": e.sha256} for name, e in self.files.items()},
            "uploads_missing": list(self.uploads_missing),
        }
        return json.dumps(body, indent=2, sort_keys=True).encode() + b"\n"

    @classmethod
    def from_json(cls, data: bytes) -> Manifest:
        """The manifest of an archive, checked field by field; BackupError says what is wrong."""
        try:
            body = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise BackupError("the archive's manifest is damaged: it is not valid JSON") from exc
        if not isinstance(body, dict) or body.get("format") != FORMAT:
            raise BackupError("not a Campaign CMS backup: its manifest does not say so")
        version = _field(body, "format_version", int)
        if version > FORMAT_VERSION:
            raise BackupError(f"the archive is in format {version}, made by a newer version of the "
                              f"CMS; this one reads format {FORMAT_VERSION}")
        database = _field(body, "database", str)
        if database not in DATABASE_MEMBERS:
            raise _damaged(f"unknown database kind {database!r}")
        revisions = _strings(body, "schema_revisions")
        if not revisions:
            raise _damaged("no schema revision")
        files = _entries(_field(body, "files", dict), DATABASE_MEMBERS[database])
        return cls(database=database, schema_revisions=revisions,
                   created_at=_field(body, "created_at", str), counts=_counts(body),
                   files=files, uploads_missing=_strings(body, "uploads_missing"),
                   software=_field(body, "software", str))


def _damaged(what: str) -> BackupError:
    return BackupError(f"the archive's manifest is damaged: {what}")


def _field(body: dict[str, Any], key: str, kind: type) -> Any:
    value = body.get(key)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise _damaged(f"{key!r} is missing or not a {kind.__name__}")
    return value


def _strings(body: dict[str, Any], key: str) -> tuple[str, ...]:
    values = _field(body, key, list)
    if not all(isinstance(value, str) for value in values):
        raise _damaged(f"{key!r} holds something other than text")
    return tuple(values)


def _counts(body: dict[str, Any]) -> dict[str, int]:
    counts = _field(body, "counts", dict)
    if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in counts.values()):
        raise _damaged("a row count is not a whole number")
    return dict(counts)


def _entries(files: dict[str, Any], database_member: str) -> dict[str, Entry]:
    entries: dict[str, Entry] = {}
    for name, value in files.items():
        if name != database_member and not (
                name.startswith(UPLOADS) and UPLOAD_NAME.fullmatch(name.removeprefix(UPLOADS))):
            raise _damaged(f"unexpected member {name!r}")
        if not isinstance(value, dict):
            raise _damaged(f"no size and checksum for {name!r}")
        size, sha256 = value.get("size"), value.get("sha256")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0 or not (
                isinstance(sha256, str) and re.fullmatch(r"[0-9a-f]{64}", sha256)):
            raise _damaged(f"no size and checksum for {name!r}")
        entries[name] = Entry(size, sha256)
    if database_member not in entries:
        raise _damaged(f"it does not list {database_member}")
    return entries


# --- Writing ---------------------------------------------------------------------------------


def digest(path: Path) -> Entry:
    """The size and SHA-256 of a file."""
    sha, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            sha.update(chunk)
            size += len(chunk)
    return Entry(size, sha.hexdigest())


def write(target: Path, manifest: Manifest, sources: Mapping[str, Path]) -> int:
    """Write the archive beside `target` under a temporary name, then rename it into place;
    its size in bytes. On any failure the temporary file is removed and `target` is untouched."""
    folder, text = target.parent, manifest.to_json()
    try:
        fd, temporary = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".partial")
    except OSError as exc:
        raise BackupError(f"cannot write in {folder}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as tar:
                add_member(tar, MANIFEST, io.BytesIO(text), len(text))
                for name, path in sources.items():
                    with open(path, "rb") as handle:
                        add_member(tar, name, handle, manifest.files[name].size)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(temporary, target)
    except BaseException as exc:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise BackupError(f"could not write {target}: {exc.strerror or exc}") from exc
        raise
    _sync_folder(folder)
    return target.stat().st_size


def add_member(tar: tarfile.TarFile, name: str, handle: IO[bytes], size: int) -> None:
    """One regular file of `size` bytes, read from `handle`: dated now, owned by nobody in
    particular (no local user names in the archive)."""
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o600, int(time.time())
    tar.addfile(info, handle)


def _sync_folder(folder: Path) -> None:
    """The rename itself reaches the disk (POSIX: fsync the directory)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# --- Reading ---------------------------------------------------------------------------------


@contextmanager
def _opened(path: Path) -> Iterator[tarfile.TarFile]:
    """The archive as a stream of members; a file that is not one is a BackupError."""
    if not path.exists():
        raise BackupError(f"{path}: no such file")
    if not path.is_file():
        raise BackupError(f"{path} is not a file")
    if path.stat().st_size == 0:
        raise BackupError(f"{path} is not a readable backup archive ({REASONS['empty file']})")
    try:
        with tarfile.open(path, mode="r|gz") as tar:
            yield tar
    except READ_ERRORS as exc:
        raise BackupError(f"{path} is not a readable backup archive ({_reason(exc)})") from exc


# tarfile's and gzip's words for what is wrong with a file, in ours.
REASONS = {"empty file": "it is empty", "unexpected end of data": "it is cut short",
           "invalid header": "it is not a tar archive", "not a gzip file": "it is not gzip-compressed"}


def _reason(exc: BaseException) -> str:
    if isinstance(exc, EOFError):
        return REASONS["unexpected end of data"]
    text = str(exc).strip() or type(exc).__name__
    return REASONS.get(text, text[0].lower() + text[1:])


def _first_manifest(path: Path, tar: tarfile.TarFile) -> Manifest:
    first = tar.next()
    if first is None or first.name != MANIFEST or not first.isfile():
        raise BackupError(f"{path} is not a Campaign CMS backup: it does not begin with {MANIFEST}")
    if first.size > MANIFEST_MAX_BYTES:
        raise BackupError(f"the archive's manifest is damaged: it is {first.size} bytes long")
    handle = tar.extractfile(first)
    assert handle is not None
    return Manifest.from_json(handle.read())


def read_manifest(path: Path) -> Manifest:
    """The manifest, read from the start of the archive (nothing else is unpacked)."""
    with _opened(path) as tar:
        return _first_manifest(path, tar)


def extract(path: Path, manifest: Manifest, into: Path) -> dict[str, Path]:
    """Unpack every member the manifest lists into `into`, each checked against its size and
    checksum; anything missing, unlisted or different is a BackupError. Where each one went."""
    found: dict[str, Path] = {}
    (into / UPLOADS).mkdir(parents=True, exist_ok=True)
    with _opened(path) as tar:
        _first_manifest(path, tar)
        while (member := tar.next()) is not None:
            entry = manifest.files.get(member.name)
            if entry is None or not member.isfile() or member.name in found:
                raise BackupError(f"{path} is damaged: unexpected member {member.name!r}")
            handle = tar.extractfile(member)
            assert handle is not None
            found[member.name] = _unpack(handle, into / member.name, entry, member.name)
    missing = sorted(set(manifest.files) - set(found))
    if missing:
        raise BackupError(f"{path} is incomplete: {missing[0]} is missing")
    return found


def _unpack(source: IO[bytes], destination: Path, entry: Entry, name: str) -> Path:
    sha, size = hashlib.sha256(), 0
    try:
        out = open(destination, "xb")
    except OSError as exc:
        raise BackupError(f"could not unpack {name} into {destination.parent}: {exc.strerror}") from exc
    with out:
        while chunk := source.read(CHUNK):
            sha.update(chunk)
            size += len(chunk)
            try:
                out.write(chunk)
            except OSError as exc:
                raise BackupError(f"could not unpack {name}: {exc.strerror}") from exc
    if size != entry.size or sha.hexdigest() != entry.sha256:
        raise BackupError(f"the archive is damaged: {name} does not match its checksum")
    return destination
