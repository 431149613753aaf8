"""Snippets: the passage of a hit that matched, escaped, with <mark> around the matched words."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from markupsafe import Markup, escape

from cms.search.analysis import STEMMED_LANGUAGES, stemming_analyzer, variants

WORDS = re.compile(r"\w+")
BEFORE = 8  # words shown before the first match
LENGTH = 36  # words in a snippet
FOLDED_FIELDS = {"title", "words", "speakers"}


@lru_cache(maxsize=8)
def _stemmer(language: str) -> Any:
    return stemming_analyzer(language)


def _marker(terms: Iterable[tuple[str, Any]], language: str) -> Any:
    folded: set[str] = set()
    stemmed: set[str] = set()
    base = language.split("-")[0].lower()
    for field, raw in terms:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else str(raw)
        if field in FOLDED_FIELDS:
            folded.add(text)
        elif field.endswith("_" + base):
            stemmed.add(text)
    analyzer = _stemmer(base) if base in STEMMED_LANGUAGES and stemmed else None

    def matches(word: str) -> bool:
        if any(form in folded for form in variants(word)):
            return True
        return analyzer is not None and any(t.text in stemmed for t in analyzer(word))

    return matches


def _fragment(text: str, matches: Any, always: bool) -> Markup | None:
    spans = [(m.start(), m.end(), matches(m.group())) for m in WORDS.finditer(text)]
    first = next((i for i, span in enumerate(spans) if span[2]), None)
    if first is None and not always:
        return None
    if not spans:
        return Markup("")
    start = max(0, (first or 0) - BEFORE)
    end = min(len(spans), start + LENGTH)
    out = [Markup("…") if start else Markup("")]
    position = spans[start][0]
    for s, e, hit in spans[start:end]:
        out.append(escape(text[position:s]))
        out.append(Markup("<mark>%s</mark>") % text[s:e] if hit else escape(text[s:e]))
        position = e
    if end < len(spans):
        out.append(Markup("…"))
    else:
        out.append(escape(text[position:].rstrip()))
    return Markup("").join(out)


def snippet(stored: Mapping[str, Any], terms: Iterable[tuple[str, Any]]) -> tuple[Markup, str]:
    """(snippet, speaker): a matching turn names its speaker, else the standfirst or body."""
    matches = _marker(list(terms), stored.get("language", "en"))
    for speaker, text in stored.get("turns") or []:
        found = _fragment(text, matches, always=False)
        if found is not None:
            return found, speaker
    for name in ("standfirst", "body"):
        found = _fragment(stored.get(name) or "", matches, always=False)
        if found is not None:
            return found, ""
    opening = stored.get("standfirst") or stored.get("body") or ""
    return _fragment(opening, matches, always=True) or Markup(""), ""
