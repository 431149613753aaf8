"""Backups: one archive holding a consistent database snapshot, the uploads and a manifest,
and the restore of such an archive into an empty instance (`flask backup`, `flask restore`)."""

from __future__ import annotations


class BackupError(Exception):
    """A backup or a restore that cannot go on; the message, one line, is for the operator."""
