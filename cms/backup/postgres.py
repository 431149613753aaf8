"""PostgreSQL: `pg_dump` (custom format) of the site's database inside a snapshot this module
exports, so the row counts and the schema revision in the manifest are those of the dump; a
restore is `pg_restore` in one transaction (all of it or nothing) into an empty database."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from cms.backup import BackupError
from cms.backup.archive import DATABASE_MEMBERS
from cms.backup.snapshot import Snapshot, State, check_loaded, quoted, read_state

MEMBER = DATABASE_MEMBERS["postgresql"]
CLIENT_ROOTS = ("/usr/lib/postgresql",)  # Debian's versioned client tools: <root>/<version>/bin
TABLES = ("SELECT table_name FROM information_schema.tables "
          "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'")


def _version(path: Path) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in path.parts[-3].split("."))
    except ValueError:
        return (-1,)


def find_tool(name: str, roots: Iterable[str] | None = None) -> str:
    """`pg_dump` or `pg_restore`: on PATH, else the newest under /usr/lib/postgresql/*/bin."""
    found = shutil.which(name)
    if found:
        return found
    candidates = [c for root in (CLIENT_ROOTS if roots is None else roots)
                  for c in Path(root).glob(f"*/bin/{name}") if os.access(c, os.X_OK)]
    if candidates:
        return str(max(candidates, key=_version))
    raise BackupError(f"{name} was not found on PATH nor under /usr/lib/postgresql/*/bin: install the "
                      "PostgreSQL client tools (Debian: apt-get install postgresql-client)")


def _run(command: Sequence[str], env: dict[str, str]) -> None:
    """Run a client tool; its last line of complaint is the error."""
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise BackupError(f"could not run {command[0]}: {exc.strerror or exc}") from exc
    if done.returncode != 0:
        lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
        complaint = lines[-1] if lines else f"exit code {done.returncode}"
        raise BackupError(f"{Path(command[0]).name} failed: {complaint}")


def _tables(conn: Connection) -> list[str]:
    return [row[0] for row in conn.exec_driver_sql(TABLES)]


def _state(conn: Connection) -> State:
    return read_state(lambda sql: list(conn.exec_driver_sql(sql).all()), _tables(conn))


def _reason(exc: SQLAlchemyError) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class PostgresDatabase:
    """The PostgreSQL database the site's engine is connected to."""

    kind = "postgresql"

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.name = engine.url.database or ""

    def _client(self) -> tuple[str, dict[str, str]]:
        """The libpq address of the database (without the password, which goes in PGPASSWORD,
        out of the process list), and the environment for the client tools."""
        url = self.engine.url
        address = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
        env = dict(os.environ)
        if url.password is not None:
            env["PGPASSWORD"] = str(url.password)
        return address, env

    def snapshot(self, into: Path) -> Snapshot:
        """`pg_dump` of the database in `into`, and what it holds, as of one moment."""
        target, pg_dump = into / MEMBER, find_tool("pg_dump")
        address, env = self._client()
        try:
            with self.engine.connect() as conn:
                conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
                with conn.begin():
                    name = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
                    _run([pg_dump, "--format=custom", "--no-owner", "--no-privileges",
                          f"--snapshot={name}", f"--file={target}", f"--dbname={address}"], env)
                    state = _state(conn)
        except SQLAlchemyError as exc:
            raise BackupError(f"could not read the database {self.name}: {_reason(exc)}") from exc
        return Snapshot(target, state)

    def check_empty(self) -> None:
        """Refuse unless the database's public schema has no table."""
        try:
            with self.engine.connect() as conn:
                tables = _tables(conn)
        except SQLAlchemyError as exc:
            raise BackupError(f"could not reach the database {self.name}: {_reason(exc)}") from exc
        if tables:
            raise BackupError(f"the database {self.name} is not empty (its public schema has {len(tables)} "
                              "tables): restore needs an empty database; create a new one")

    def load(self, staged: Path, expected: State) -> None:
        """`pg_restore` in one transaction, then a check that every table has its rows."""
        pg_restore = find_tool("pg_restore")
        address, env = self._client()
        _run([pg_restore, "--single-transaction", "--exit-on-error", "--no-owner", "--no-privileges",
              f"--dbname={address}", str(staged)], env)
        try:
            with self.engine.connect() as conn:
                try:
                    check_loaded(_state(conn), expected, f"the database {self.name}")
                except BackupError:
                    _empty_again(conn)
                    raise
        except SQLAlchemyError as exc:
            raise BackupError(f"could not read the restored database {self.name}: {_reason(exc)}") from exc


def _empty_again(conn: Connection) -> None:
    """Drop what a restore that did not match its manifest loaded: the public schema had no
    table before it (`check_empty`), so every table and sequence there is the restore's."""
    conn.rollback()
    tables = ", ".join(quoted(name) for name in _tables(conn))
    if tables:
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {tables} CASCADE")
    sequences = [row[0] for row in conn.exec_driver_sql(
        "SELECT sequence_name FROM information_schema.sequences WHERE sequence_schema = 'public'")]
    if sequences:
        conn.exec_driver_sql(f"DROP SEQUENCE IF EXISTS {', '.join(map(quoted, sequences))} CASCADE")
    conn.commit()
