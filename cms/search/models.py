"""Pieces whose index update failed, kept until an update or a rebuild succeeds."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Mapped, mapped_column

from cms.database import utcnow
from cms.extensions import db


class SearchBacklog(db.Model):
    __tablename__ = "search_backlog"

    # No foreign key: a deleted piece waits here too, to be removed from the index.
    piece_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    since: Mapped[datetime] = mapped_column(default=utcnow)

    def affects_public_pages(self) -> bool:
        return False
