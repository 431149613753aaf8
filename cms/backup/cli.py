"""`flask backup FILE` and `flask restore FILE`: one archive (.tar.gz) with the database
snapshot, the uploads and a manifest; a refusal or a damaged file is one line and exit code 1."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from cms.backup import BackupError, services


def human_size(size: int) -> str:
    """Bytes as people read them: 512 bytes, 1.5 KB, 20.3 MB (1 KB = 1024 bytes)."""
    if size < 1024:
        return f"{size} byte{'' if size == 1 else 's'}"
    value, unit = size / 1024, "KB"
    for bigger in ("MB", "GB", "TB"):
        if value < 1024:
            break
        value, unit = value / 1024, bigger
    return f"{value:.1f} {unit}"


def rows(counts: dict[str, int]) -> str:
    """Rows per table, by table name (the schema's own alembic_version left out)."""
    return ", ".join(f"{table} {n}" for table, n in sorted(counts.items()) if table != "alembic_version")


def files(n: int) -> str:
    return f"{n} file{'' if n == 1 else 's'}"


@click.command("backup")
@click.argument("file", type=click.Path(path_type=Path))
@with_appcontext
def backup_command(file: Path) -> None:
    """Write the database (a consistent snapshot, while the site runs) and the uploads to FILE,
    one .tar.gz archive (written under a temporary name, then renamed; mode 0600)."""
    try:
        result = services.backup(file)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    manifest = result.manifest
    uploads = manifest.uploads()
    click.echo(f"Backup written to {result.path} ({human_size(result.size)})")
    click.echo(f"  database: {manifest.database}, schema {', '.join(manifest.schema_revisions)}")
    click.echo(f"  rows: {rows(manifest.counts)}")
    click.echo(f"  uploads: {files(len(uploads))} ({human_size(sum(e.size for e in uploads.values()))})")
    if manifest.uploads_missing:
        click.echo(f"  warning: {files(len(manifest.uploads_missing))} that images name "
                   f"{'was' if len(manifest.uploads_missing) == 1 else 'were'} not in the uploads "
                   f"folder: {', '.join(manifest.uploads_missing)}", err=True)
    if result.left_out:
        click.echo(f"  left out: {files(result.left_out)} in the uploads folder that no image names")


@click.command("restore")
@click.argument("file", type=click.Path(path_type=Path))
@with_appcontext
def restore_command(file: Path) -> None:
    """Restore an archive made by `backup` into this empty instance (PostgreSQL: an empty
    database), migrate it to this code's schema and rebuild the search index."""
    try:
        result = services.restore(file)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    manifest = result.manifest
    was, now = ", ".join(manifest.schema_revisions), ", ".join(result.revisions)
    click.echo(f"Restored {Path(file).absolute()} (made {manifest.created_at}, {manifest.database})")
    click.echo(f"  schema: {was}" + (f", upgraded to {now}" if now != was else ""))
    click.echo(f"  rows: {rows(result.counts)}")
    click.echo(f"  uploads: {files(result.uploads)}")
    click.echo(f"  e-mail hashes recomputed under this site's key: {result.rehashed}")
    click.echo(f"  search index rebuilt: {result.indexed} pieces")
