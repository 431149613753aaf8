"""The search backend interface, what it answers, and the factory that picks one from settings.

Views and hooks know only this module: adding an engine means one new subpackage
(cms/search/whoosh/, cms/search/postgres/) and one entry in BACKENDS, nothing else.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from flask import Flask, current_app
from markupsafe import Markup
from sqlalchemy.engine import Connection

from cms.search.documents import SearchDocument

FACETS = ("kind", "campaign", "tag", "year", "language")
SORTS = ("relevance", "date")  # the first is the default
# Loads the current document of each piece id (None: not indexable any more).
Loader = Callable[[Iterable[int]], Mapping[int, SearchDocument | None]]


class SearchUnavailable(Exception):
    """There is no index to search yet."""


@dataclass(frozen=True)
class SearchRequest:
    text: str = ""
    filters: Mapping[str, str] = field(default_factory=dict)  # facet name -> key
    sort: str = "relevance"
    page: int = 1
    per_page: int = 10
    now: datetime | None = None  # pieces published after it, or ended by it, are not shown
    # A story in several languages is one result: its version in this language if it matches,
    # else the original if it does, else one that does.
    language: str = ""


@dataclass(frozen=True)
class Hit:
    id: int
    kind: str
    slug: str
    title: str
    language: str
    published_at: datetime
    campaign_title: str
    snippet: Markup  # escaped text with <mark> around matched words
    speaker: str = ""  # for an interview: who says the snippet
    anchor: str = ""  # the id of the snippet's passage on the piece's page ("turn-3", "p-2")
    versions: tuple[tuple[str, str], ...] = ()  # the story's other public languages: (code, path)


@dataclass(frozen=True)
class FacetValue:
    key: str
    count: int
    label: str = ""


@dataclass
class SearchResults:
    hits: list[Hit]
    total: int
    page: int
    per_page: int
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    suggestion: str | None = None  # a query that has results, when this one has none
    filter_labels: dict[str, str] = field(default_factory=dict)  # the filters in use, as shown

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


class SearchBackend(ABC):
    """An index of published pieces: kept in step by the commit hooks, rebuilt by the CLI.

    An engine that lives in the database (`transactional`) is written by `write` inside the
    transaction that changes the piece; the others by `sync` after the commit."""

    name = "abstract"
    transactional = False

    @abstractmethod
    def available(self) -> bool:
        """Whether an index exists to search."""

    @abstractmethod
    def sync(self, piece_ids: Iterable[int], load: Loader) -> None:
        """Bring these pieces up to date, indexing or deleting each as `load` says (None: not
        indexable any more). `load` is called once the index may be written, so that the
        last writer always writes what the database holds last: the one write path."""

    def write(self, conn: Connection, documents: Mapping[int, SearchDocument | None]) -> None:
        """Write these documents (None: remove the piece) on this connection, in its transaction."""
        raise NotImplementedError(f"the {self.name} engine is written after the commit (sync)")

    @abstractmethod
    def search(self, request: SearchRequest) -> SearchResults:
        """Raises SearchUnavailable when there is no index."""

    @abstractmethod
    def rebuild(self, documents: Iterable[SearchDocument],
                progress: Callable[[int], None] | None = None) -> int:
        """Build a new index beside the current one, then swap; returns the documents written."""

    @abstractmethod
    def document_ids(self) -> set[int]:
        """The ids of the pieces in the index (empty without an index)."""

    def close(self) -> None:  # noqa: B027 (optional: most engines hold nothing open)
        """Release open files."""


def _whoosh(app: Flask) -> SearchBackend:
    from cms.search.whoosh.backend import WhooshBackend

    return WhooshBackend.from_app(app)


def _postgres(app: Flask) -> SearchBackend:
    from cms.search.postgres.backend import PostgresBackend

    return PostgresBackend.from_app(app)


BACKENDS: dict[str, Callable[[Flask], SearchBackend]] = {"whoosh": _whoosh, "postgres": _postgres}


def create_backend(app: Flask) -> SearchBackend:
    name = app.config["CMS_SEARCH_BACKEND"]
    try:
        factory = BACKENDS[name]
    except KeyError:
        raise ValueError(f"CMS_SEARCH_BACKEND: unknown search backend {name!r}") from None
    return factory(app)


def get_backend(app: Flask | None = None) -> SearchBackend:
    """The backend of this app and process, created on first use and kept (one searcher)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    backend = app.extensions.get("cms_search")
    if backend is None:
        backend = app.extensions["cms_search"] = create_backend(app)
    return backend
