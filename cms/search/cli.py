"""`flask search reindex` and `flask search status`."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from cms.search import services

search = AppGroup("search", help="Build and inspect the search index.")


@search.command("reindex")
def reindex_command() -> None:
    """Rebuild the index from the database into a new folder, then swap it in."""
    total = services.indexable_count()
    with click.progressbar(length=total, label="Indexing pieces") as bar:
        written = services.reindex(progress=bar.update)
    click.echo(f"Indexed {written} pieces.")


@search.command("status")
def status_command() -> None:
    """Print how many pieces are indexed and how many are published."""
    state = services.status()
    if not state.available:
        click.echo("No search index yet: run `flask --app cms search reindex`.")
    click.echo(f"Indexed: {state.indexed}")
    ended = f", {state.ended} past their end date" if state.ended else ""
    click.echo(f"Published: {state.published} (and {state.scheduled} scheduled{ended})")
    click.echo(f"Waiting for an index update: {state.backlog}")
