"""A small archive written for the search tests, and helpers to ask the backend."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from cms.articles.models import Piece
from cms.database import utcnow
from cms.interviews.models import Interview
from cms.search.backend import SearchRequest, SearchResults, get_backend
from tests.conftest import BACKEND

# The PostgreSQL engine's tests run when the suite runs on PostgreSQL (CMS_TEST_BACKEND=postgres).
ON_POSTGRES = pytest.mark.skipif(BACKEND != "postgres", reason="the PostgreSQL engine needs "
                                 "CMS_TEST_BACKEND=postgres and CMS_TEST_POSTGRES_URL")


@pytest.fixture
def make_interview(make_piece: Callable[..., Piece]) -> Callable[..., Piece]:
    """A published interview whose transcript has these (speaker's name, initials, text) turns."""

    def make(title: str, turns: list[tuple[str, str, str]], **fields: Any) -> Piece:
        declared: set[str] = set()
        paragraphs = []
        for name, initials, text in turns:
            label = initials if initials in declared else f"{name} ({initials})"
            declared.add(initials)
            paragraphs.append(f"{label}: {text}")
        return make_piece(title, kind=Interview, body_source="\n\n".join(paragraphs), **fields)

    return make


@pytest.fixture
def archive(make_piece: Callable[..., Piece], make_campaign: Callable[..., Any],
            make_interview: Callable[..., Piece]) -> dict[str, Piece]:
    campaign = make_campaign("Internet rights are human rights")
    return {
        "defender": make_piece(
            "A defender of free speech", body_source="She has been campaigning since 2009.",
            topics=["Free speech"], countries=["Azerbaijan"], campaign_id=campaign.id,
            published_at=datetime(2023, 5, 1, 10)),
        "baku": make_piece(
            "Letter from Bakı", body_source="İlham Əliyev answered no question. Şəhər, çay, göz, ölkə, üz.",
            language="az", countries=["Azerbaijan"], published_at=datetime(2024, 3, 2, 9)),
        "russian": make_piece(
            "Прощание", body_source="Он сказал: до свиданья. Правозащитники собрались у суда.",
            language="ru", published_at=datetime(2024, 6, 7, 9)),
        "phrase": make_piece(
            "Rights online", body_source="Internet rights are human rights, said the panel. "
            "Human beings have rights on the internet too.", campaign_id=campaign.id,
            topics=["Free speech"], published_at=datetime(2022, 1, 3, 9)),
        "interview": make_interview(
            "Talking to a journalist in exile",
            [("Ann Writer", "AW", "Why did you leave the country?"),
             ("Xədicə İsmayılova", "XI", "Because the prison was waiting for every journalist who wrote.")],
            campaign_id=campaign.id, published_at=datetime(2024, 9, 9, 9)),
    }


@pytest.fixture
def ask(app: Flask) -> Callable[..., SearchResults]:
    def search(text: str = "", sort: str = "relevance", page: int = 1,
               now: datetime | None = None, prefer: str = "", **filters: str) -> SearchResults:
        with app.app_context():
            return get_backend().search(SearchRequest(text=text, filters=filters, sort=sort, page=page,
                                                      now=now or utcnow() + timedelta(seconds=1),
                                                      language=prefer))

    return search


def titles(results: SearchResults) -> list[str]:
    return [hit.title for hit in results.hits]
