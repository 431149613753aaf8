"""`flask comments purge`: the retention rules of cms/comments/retention.py, run from cron."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from cms.comments import retention

comments = AppGroup("comments", help="Work on readers' comments.")


@comments.command("purge")
@click.option("--batch", default=retention.BATCH, show_default=True, type=click.IntRange(min=1),
              help="Comments deleted or changed per transaction.")
def purge_command(batch: int) -> None:
    """Delete spam and deleted comments past CMS_COMMENT_RETENTION_DAYS (and the texts that
    moderators' edits replaced), and drop commenters' e-mail addresses past
    CMS_COMMENTER_EMAIL_DAYS. Safe to run as often as you like."""
    result = retention.purge(batch=batch)
    click.echo(f"purged: {result.purged} spam or deleted comments; "
               f"e-mail addresses dropped: {result.emails_dropped}; "
               f"edited texts dropped: {result.edits_dropped}")
