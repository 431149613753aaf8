"""The interface in Russian and Azerbaijani: the catalogues cover every string readers see,
no literal text in a reader template escapes them, and pages speak the language they should."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from cms.database import utcnow
from cms.i18n import READER_TEMPLATES, UI_LANGUAGES, reader_messages, reader_sources

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES, PACKAGE = ROOT / "templates", ROOT / "cms"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
# Names that are the same in every language.
UNTRANSLATED = {"mirrors.json", "Tor Browser", "Atom"}


def catalogue(language: str):
    with (ROOT / "translations" / language / "LC_MESSAGES" / "messages.po").open("rb") as source:
        return read_po(source, locale=language)


@pytest.mark.parametrize("language", [code for code in UI_LANGUAGES if code != "en"])
def test_every_string_readers_see_is_translated(language):
    messages = reader_messages(TEMPLATES, PACKAGE)
    assert len(messages) > 150  # the extraction found the sources
    found = catalogue(language)
    missing, broken = [], []
    for key, (message, places) in messages.items():
        entry = found.get(key)
        string = entry.string if entry is not None else ""
        strings = [string] if isinstance(string, str) else list(string)
        if entry is None or entry.fuzzy or not all(text.strip() for text in strings):
            missing.append(f"{key!r} ({', '.join(places)})")
            continue
        wanted = set(PLACEHOLDER.findall(message if isinstance(message, str) else message[1]))
        for string in strings:
            if set(PLACEHOLDER.findall(string)) != wanted or ("<" in string) != ("<" in key):
                broken.append(f"{key!r} -> {string!r}")
    assert missing == [], f"not translated into {language}: run `make catalogues`, then translate"
    assert broken == [], "placeholders (or markup: translations are not escaped) differ"


def test_no_literal_text_in_a_reader_template_escapes_translation():
    """Text between tags, and the words in aria-label, title, alt and placeholder attributes,
    must come from an expression (`{{ _("...") }}`, a value); the desk's preview bar is English."""
    loose = []
    for method, path in reader_sources(TEMPLATES, PACKAGE):
        if method != "jinja2":
            continue
        source = path.read_text(encoding="utf-8")
        source = re.sub(r'<aside class="preview-bar".*?</aside>', "", source, flags=re.S)
        source = re.sub(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", " ", source, flags=re.S)
        attributes = re.findall(r'(?:aria-label|title|alt|placeholder)="([^"]*)"', source)
        text = re.sub(r"<[^>]*>", " ", source)
        for chunk in [*attributes, *re.split(r"\s{2,}|\n", text)]:
            words = chunk.strip().rstrip(" .:,")
            if re.search(r"[^\W\d_]", words) and words not in UNTRANSLATED:
                loose.append(f"{path.relative_to(TEMPLATES)}: {words!r}")
    assert loose == []
    assert READER_TEMPLATES  # the list the catalogues are built from


def test_a_russian_piece_and_the_russian_lists_speak_russian(client, make_piece, make_campaign):
    campaign = make_campaign("Права в интернете")
    make_piece("Свобода слова", language="ru", campaign_id=campaign.id, topics=["Цензура"],
               published_at=utcnow().replace(year=2026, month=11, day=27, hour=12))
    make_piece("Free speech", language="en", body_source="Text.")
    page = client.get("/articles/svoboda-slova").get_data(as_text=True)
    assert '<html lang="ru">' in page
    assert ">Главная</a>" in page and ">Архив</a>" in page and ">Добавить комментарий</h3>" in page
    assert ">27 ноября 2026</time>" in page
    assert '<a href="/ru/archive">Архив</a>' in page  # its links stay in Russian
    home = client.get("/ru/").get_data(as_text=True)
    assert '<html lang="ru">' in home and ">Новое</h2>" in home
    assert "Свобода слова" in home and "Free speech" not in home  # Russian pieces only
    everything = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in everything and "Свобода слова" in everything and "Free speech" in everything
    form = client.get(client.get("/articles/svoboda-slova").get_data(as_text=True).split(
        'class="button" href="')[1].split('"')[0]).get_data(as_text=True)
    assert "Обычный текст" in form and "Строки и абзацы переносятся автоматически." in form
    assert "Разрешённые HTML-теги: &lt;br&gt; &lt;p&gt;" in form  # escaped, as in English


def test_azerbaijani_lists_and_error_pages(client, make_piece):
    make_piece("Söz azadlığı", language="az", published_at=utcnow().replace(year=2026, month=11, day=27))
    home = client.get("/az/").get_data(as_text=True)
    assert '<html lang="az">' in home and ">Ən yeni</h2>" in home and ">27 noyabr 2026</time>" in home
    assert client.get("/az/archive").status_code == 200
    assert "Arxiv" in client.get("/az/archive").get_data(as_text=True)
    missing = client.get("/az/no-such-page")
    assert missing.status_code == 404


def test_the_browser_language_never_chooses_the_interface(client, make_piece):
    make_piece("Anything")
    page = client.get("/", headers={"Accept-Language": "ru, az;q=0.5"}).get_data(as_text=True)
    assert '<html lang="en">' in page and ">Latest</h2>" in page
