"""The interface in the reader's language, without a cookie: Flask-Babel with our catalogues.

A piece's page speaks the piece's language; a list page the language its address starts with
(`/ru/`, `/az/`, `/en/`: the list then holds pieces in that language only); any other page, and
the unprefixed lists (every language), English. Never Accept-Language: the address alone
decides, so a cached page is right for everyone who asks for it. The catalogues
(translations/<lang>/LC_MESSAGES/messages.po) are read and compiled in memory once per
process: nothing generated is stored.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations
from flask import Blueprint, Flask, g
from flask_babel import Babel, Domain, get_locale, refresh
from werkzeug.routing import BaseConverter
from werkzeug.utils import cached_property

# The interface speaks these; a piece in any other language gets the English interface.
UI_LANGUAGES = ("en", "ru", "az")
DEFAULT = "en"
# translations/ at the top of a checkout; inside the package once installed (pyproject.toml).
_PACKAGED = Path(__file__).resolve().parent / "translations"
CATALOGUES = _PACKAGED if _PACKAGED.is_dir() else Path(__file__).resolve().parent.parent / "translations"


def load_catalogue(language: str) -> NullTranslations:
    """The compiled catalogue of `language` (English, the source language, has none)."""
    path = CATALOGUES / language / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return NullTranslations()
    with path.open("rb") as source:
        catalog = read_po(source, locale=language)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


class CatalogueDomain(Domain):
    """Messages from the committed catalogues, compiled once per process and language."""

    def get_translations(self) -> NullTranslations:
        locale = get_locale()
        if locale is None:
            return NullTranslations()
        key = str(locale)
        if key not in self.cache:
            self.cache[key] = load_catalogue(key)
        return self.cache[key]


class SiteBabel(Babel):
    @cached_property
    def domain_instance(self) -> Domain:  # type: ignore[override]
        return CatalogueDomain()


babel = SiteBabel()


class UiLanguageConverter(BaseConverter):
    """`/ru/...`: one of the interface's languages, and nothing else, as a list's prefix."""

    regex = "|".join(UI_LANGUAGES)


def ui_language() -> str:
    """The language this page speaks."""
    return str(g.get("ui_language", DEFAULT))


def list_language() -> str | None:
    """The language a list page is restricted to by its address, or None (every language)."""
    return g.get("list_language")


def speak(language: str | None) -> None:
    """Speak `language` on this page (a piece's own; English when the interface lacks it).
    Links from it to lists then stay in that language, unless it is the default one."""
    g.ui_language = language if language in UI_LANGUAGES else DEFAULT
    g.link_language = g.ui_language if g.ui_language != DEFAULT else None
    refresh()


_PREFIXED: set[str] = set()  # the endpoints list_route registered with a language prefix


View = Callable[..., Any]


def list_route(bp: Blueprint, rule: str, **options: Any) -> Callable[[View], View]:
    """A list page at `rule` (every language) and at `/<language>` + `rule` (that language only)."""

    def register(view: View) -> View:
        bp.add_url_rule(rule, view_func=view, **options)
        bp.add_url_rule(f"/<ui:lang>{rule}", view_func=view, **options)
        _PREFIXED.add(f"{bp.name}.{options.get('endpoint', view.__name__)}")
        return view

    return register


def _take_language(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """A list's prefix becomes the page's language, and the view never sees it."""
    on_list(values.pop("lang", None) if values and endpoint in _PREFIXED else None)


def on_list(language: str | None) -> None:
    """This page is a list in `language` (None: every language, in the default one)."""
    g.list_language = language
    g.link_language = language
    g.ui_language = language or DEFAULT
    refresh()


def _keep_language(endpoint: str, values: dict[str, Any]) -> None:
    """Links from a page in one language to other lists stay in that language."""
    language = g.get("link_language")
    if language and endpoint in _PREFIXED and "lang" not in values:
        values["lang"] = language


def local_date(value: date | datetime, style: str = "date") -> str:
    """'27 November 2026', '27 ноября 2026' (Babel's month in the page's language)."""
    locale = get_locale() or Locale.parse(DEFAULT)
    if style == "datetime":
        return format_datetime(value, "d MMMM y, HH:mm", locale=locale)
    if style == "month":
        return format_date(value, "LLLL y", locale=locale)
    return format_date(value, "d MMMM y", locale=locale)


def number(value: int) -> str:
    """1,234 in English, 1 234 in Russian."""
    return format_decimal(value, locale=get_locale() or Locale.parse(DEFAULT))


def init_app(app: Flask) -> None:
    """Babel, the /<language>/ prefix of list pages, the filters and globals templates use."""
    app.url_map.converters["ui"] = UiLanguageConverter
    babel.init_app(app, default_locale=DEFAULT, locale_selector=ui_language)
    app.url_value_preprocessor(_take_language)
    app.url_defaults(_keep_language)
    app.add_template_global(ui_language)
    app.add_template_global(UI_LANGUAGES, "ui_languages")
    app.add_template_global(list_language)
    app.add_template_filter(number)


# --- The catalogues' sources -------------------------------------------------------------------

# What readers see: these templates and modules hold every string the catalogues translate
# (the desk, moderation and accounts pages stay in English). tests/test_catalogues.py fails
# when one of their strings is not translated, or when a literal text in a reader template is
# not marked for translation; `make catalogues` adds new strings to the catalogues.
READER_TEMPLATES = (
    "base.html", "home.html", "macros/pieces.html", "macros/forms.html", "articles/*.html",
    "interviews/index.html", "interviews/piece.html", "interviews/_body.html", "comments/*.html",
    "errors/*.html", "mirror/*.html", "search/*.html",
)
READER_MODULES = (
    "articles/models.py", "interviews/models.py", "comments/forms.py", "comments/views.py",
    "comments/services.py", "comments/ratelimit.py", "comments/tokens.py", "comments/withdraw.py",
    "errors.py", "ratelimit.py", "search/*.py",
)


def reader_sources(templates: Path, package: Path) -> list[tuple[str, Path]]:
    """("jinja2" | "python", path) of every reader-facing source, in a stable order."""
    found = [("jinja2", path) for pattern in READER_TEMPLATES for path in sorted(templates.glob(pattern))]
    found += [("python", path) for pattern in READER_MODULES for path in sorted(package.glob(pattern))]
    return found


def reader_messages(templates: Path, package: Path) -> dict[str, tuple[str | tuple[str, str], list[str]]]:
    """Every message readers may see: msgid -> (the message, or (singular, plural); where)."""
    from babel.messages.extract import extract_from_file

    options = {"extensions": "jinja2.ext.do,jinja2.ext.i18n", "newstyle_gettext": "true",
               "trimmed": "false"}
    found: dict[str, tuple[str | tuple[str, str], list[str]]] = {}
    for method, path in reader_sources(templates, package):
        extractor = "jinja2.ext:babel_extract" if method == "jinja2" else "python"
        for line, message, _comments, _context in extract_from_file(
                extractor, str(path), keywords={"_": None, "_l": None, "gettext": None,
                                               "ngettext": (1, 2), "lazy_gettext": None},
                options=options if method == "jinja2" else {}):
            key = message if isinstance(message, str) else message[0]
            shown = message if isinstance(message, str) else (message[0], message[1])
            found.setdefault(key, (shown, []))[1].append(f"{path.name}:{line}")
    return found
