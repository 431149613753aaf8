"""Campaigns: the banner under which pieces are published and financed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cms.database import utcnow
from cms.extensions import db


class Campaign(db.Model):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # Shown under every piece: "This article is part of ..., financed by ..."
    attribution: Mapped[str] = mapped_column(String(500), default="")
    licence_name: Mapped[str] = mapped_column(String(100), default="")
    licence_url: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<Campaign {self.slug}>"
