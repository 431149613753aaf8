"""`flask --app cms mirror build OUT [--zip FILE]`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from cms.mirror.build import MirrorError, build, write_zip

mirror = AppGroup("mirror", help="A static copy of the public site, for mirrors and offline copies.")


@mirror.command("build")
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--zip", "zip_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the mirror into this one .zip archive, for offline copies.")
def build_command(out: Path, zip_file: Path | None) -> None:
    """Write the public site into OUT as static files with relative links; a second build
    rewrites only the files whose content changed."""
    try:
        if zip_file is not None and zip_file.resolve().is_relative_to(out.resolve()):
            raise MirrorError(f"{zip_file} is inside {out}: put the archive outside the mirror.")
        report = build(current_app._get_current_object(), out)  # type: ignore[attr-defined]
        click.echo(f"mirror in {out}: {report.summary()}")
        for skipped in report.skipped:
            click.echo(f"skipped, no longer public: {skipped}", err=True)
        if zip_file is not None:
            count = write_zip(out, zip_file)
            click.echo(f"archive {zip_file}: {count:,} files, {zip_file.stat().st_size:,} bytes")
    except MirrorError as exc:
        raise click.ClickException(str(exc)) from exc
