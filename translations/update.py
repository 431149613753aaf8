"""Bring the catalogues up to date with the strings readers see: new strings are added with
an empty translation (tests/test_catalogues.py then fails until they are translated), strings
no longer used are dropped, translations kept. `make catalogues` runs it.

    .venv/bin/python translations/update.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cms.i18n import UI_LANGUAGES, reader_messages  # noqa: E402

HEADER = "The interface of the campaign CMS in {name}: every string readers see."


def update(language: str, messages: dict) -> tuple[int, int]:
    """(added, dropped) in the catalogue of `language`."""
    path = ROOT / "translations" / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as source:
        old = read_po(source, locale=language)
    new = Catalog(locale=language, project="campaign-cms", header_comment=old.header_comment,
                  fuzzy=False)
    new.plural_forms  # noqa: B018 (Babel's plural rule for the language)
    added = 0
    for key, (message, places) in messages.items():
        known = old.get(key)
        empty = "" if isinstance(message, str) else ("",) * new.num_plurals
        string = known.string if known is not None else empty
        added += known is None
        where = [(place.rsplit(":", 1)[0], int(place.rsplit(":", 1)[1])) for place in places]
        formatted = "%(" in (message if isinstance(message, str) else message[0])
        new.add(message, string, locations=where, flags=("python-format",) if formatted else ())
    dropped = sum(1 for message in old if message.id and message.id not in new)
    with path.open("wb") as target:
        write_po(target, new, width=100, sort_output=False, omit_header=False, include_previous=False)
    return added, dropped


def main() -> None:
    messages = reader_messages(ROOT / "templates", ROOT / "cms")
    for language in UI_LANGUAGES:
        if language == "en":
            continue
        added, dropped = update(language, messages)
        print(f"{language}: {len(messages)} strings, {added} new, {dropped} dropped")


if __name__ == "__main__":
    main()
