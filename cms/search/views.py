"""The search page: /search?q=..., with facets, snippets and a spelling suggestion."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from cms.articles import services as pieces
from cms.extensions import db
from cms.i18n import list_route, ui_language
from cms.search import services
from cms.search.backend import FACETS, SearchUnavailable
from cms.search.forms import SearchForm

bp = Blueprint("search", __name__)
MAX_FILTER_LENGTH = 120


def _filters() -> dict[str, str]:
    found = {}
    for name in FACETS:
        value = request.args.get(name, "").strip()
        if value and len(value) <= MAX_FILTER_LENGTH:
            found[name] = value
    return found


@list_route(bp, "/search")
def search() -> tuple[str, int] | str:
    """Every language's pieces; /ru/search speaks Russian."""
    form = SearchForm(request.args)
    text = form.q.data or ""
    filters = _filters()
    sort = "date" if request.args.get("sort") == "date" else "relevance"
    page = request.args.get("page", 1, type=int) or 1
    context = {"form": form, "text": text, "filters": filters, "sort": sort}
    if not text.strip() and not filters:
        latest = db.session.scalars(pieces.public_pieces().limit(current_app.config["CMS_PAGE_SIZE"]))
        return render_template("search/search.html", latest=list(latest), **context)
    try:
        results = services.search(text, filters, sort, page, language=ui_language())
    except SearchUnavailable:
        return render_template("search/search.html", unavailable=True, **context), 503
    return render_template("search/search.html", results=results, **context)
