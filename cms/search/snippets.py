"""Snippets: the passage of a hit that matched, escaped, with <mark> around the matched words."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import Any

from markupsafe import Markup, escape
from whoosh.lang import porter, stemmer_for_language

from cms.search.analysis import STEMMED_LANGUAGES, variants

WORDS = re.compile(r"\w+")
BEFORE = 8  # words shown before the first match
LENGTH = 36  # words in a snippet
FOLDED_FIELDS = {"title", "words", "speakers"}


@lru_cache(maxsize=8)
def _stem(language: str) -> Callable[[str], str]:
    stem = stemmer_for_language(language) if language != "en" else porter.stem
    return lru_cache(maxsize=20_000)(stem)


class Marker:
    """Tells which words of a text matched: by folded form, or by stem in the piece's language."""

    def __init__(self, terms: Iterable[tuple[str, Any]]) -> None:
        self.folded: set[str] = set()
        self.stemmed: dict[str, set[str]] = {}
        for field, raw in terms:
            text = raw.decode("utf-8") if isinstance(raw, bytes) else str(raw)
            if field in FOLDED_FIELDS:
                self.folded.add(text)
            elif "_" in field:
                self.stemmed.setdefault(field.rsplit("_", 1)[1], set()).add(text)
        self._seen: dict[tuple[str, str], bool] = {}

    def for_language(self, language: str) -> Callable[[str], bool]:
        base = language.split("-")[0].lower()
        stems = self.stemmed.get(base) if base in STEMMED_LANGUAGES else None
        stem = _stem(base) if stems else None

        def matches(word: str) -> bool:
            key = (base, word)
            if key not in self._seen:
                forms = variants(word)
                self._seen[key] = any(f in self.folded for f in forms) or (
                    stem is not None and any(stem(f) in stems for f in forms))  # type: ignore[operator]
            return self._seen[key]

        return matches


def _fragment(text: str, matches: Callable[[str], bool], always: bool) -> Markup | None:
    """The words around the first match; the text is read only up to the end of that window."""
    window: list[tuple[int, int]] = []
    found = False
    skipped = False
    more = False
    for m in WORDS.finditer(text):
        if len(window) >= LENGTH:
            more = True
            break
        window.append(m.span())
        if not found and matches(m.group()):
            found = True
            if len(window) > BEFORE + 1:
                skipped = True
                window = window[-(BEFORE + 1):]
        elif not found and len(window) > BEFORE + 1 and not always:
            window.pop(0)
            skipped = True
    if not found and not always:
        return None
    if not found:
        skipped = False
    if not window:
        return Markup("")
    out = [Markup("…") if skipped else Markup("")]
    position = window[0][0]
    for start, end in window:
        out.append(escape(text[position:start]))
        word = text[start:end]
        out.append(Markup("<mark>%s</mark>") % word if matches(word) else escape(word))
        position = end
    out.append(Markup("…") if more else escape(text[position:].rstrip()))
    return Markup("").join(out)


def snippet(stored: Mapping[str, Any], marker: Marker) -> tuple[Markup, str]:
    """(snippet, speaker): a matching turn names its speaker, else the standfirst or body."""
    matches = marker.for_language(stored.get("language", "en"))
    for speaker, text in stored.get("turns") or []:
        found = _fragment(text, matches, always=False)
        if found is not None:
            return found, speaker
    for name in ("standfirst", "body"):
        found = _fragment(stored.get(name) or "", matches, always=False)
        if found is not None:
            return found, ""
    turns = stored.get("turns") or []
    if not stored.get("standfirst") and not stored.get("body") and turns:
        speaker, text = turns[0]  # an interview that starts straight away
        return _fragment(text, matches, always=True) or Markup(""), speaker
    opening = stored.get("standfirst") or stored.get("body") or ""
    return _fragment(opening, matches, always=True) or Markup(""), ""
