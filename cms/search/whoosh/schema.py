"""The Whoosh index's fields: what each holds of a document, and what a match there is worth."""

from __future__ import annotations

from typing import Any

from whoosh.fields import DATETIME, ID, KEYWORD, STORED, TEXT, Schema

from cms.articles.models import Passage
from cms.search.analysis import STEMMED_LANGUAGES
from cms.search.documents import SearchDocument
from cms.search.whoosh.analyzers import folding_analyzer, stemming_analyzer
from cms.search.whoosh.matching import index_time

FACET_FIELDS = {"kind": "kind", "campaign": "campaign", "tag": "tags", "year": "year",
                "language": "language"}
# Field weights: the title counts most, then the standfirst and the tags (the "lead"), then the
# body (cms/search/whoosh/matching.py applies them). A long text is marked down little (BM25's
# b; 0.75 elsewhere), so that a long piece about a subject is not buried under short ones that
# mention it once; the lead's length counts for nothing (a piece with more tags is not less
# about each).
TITLE_WEIGHT, LEAD_WEIGHT = 3.0, 2.0
WEIGHTS = {"title": TITLE_WEIGHT, "lead": LEAD_WEIGHT, **{
    f"{name}_{language}": weight for language in STEMMED_LANGUAGES
    for name, weight in (("title", TITLE_WEIGHT), ("lead", LEAD_WEIGHT))}}
LENGTH_WEIGHTS = {"words": 0.1, "lead": 0.0, **{
    f"{name}_{language}": weight for language in STEMMED_LANGUAGES
    for name, weight in (("stem", 0.1), ("lead", 0.0))}}


def build_schema() -> Schema:
    """The fields, for an index built now (an older index keeps its own, plus new ones)."""
    fold = folding_analyzer()
    fields: dict[str, Any] = {
        "id": ID(stored=True, unique=True),
        "kind": ID(stored=True, sortable=True),
        "slug": STORED(),
        "language": ID(stored=True, sortable=True),
        "year": ID(sortable=True),
        "campaign": ID(sortable=True),
        "campaign_title": STORED(),
        "tags": KEYWORD(commas=True, scorable=False),
        "published": DATETIME(stored=True, sortable=True),
        "until": ID(),  # the end date as index_time() text, only when there is one
        "translation_of": ID(),  # a translation's original, by id: one result per story
        "title": TEXT(analyzer=fold, stored=True),
        "words": TEXT(analyzer=fold),  # every word of every piece but its tags: phrases, suggestions
        "lead": TEXT(analyzer=fold),  # the standfirst and the tags' names
        "speakers": TEXT(analyzer=fold),
        "passages": STORED(),  # (text, anchor, speaker) of each, for snippets
    }
    for language in STEMMED_LANGUAGES:
        stem = stemming_analyzer(language)
        fields[f"stem_{language}"] = TEXT(analyzer=stem, phrase=False)
        fields[f"title_{language}"] = TEXT(analyzer=stem, phrase=False)
        fields[f"lead_{language}"] = TEXT(analyzer=stem, phrase=False)
    return Schema(**fields)


def stem_language(language: str) -> str | None:
    """The language whose stemmed fields a piece has ("en-GB" -> "en"), if any."""
    base = (language or "").split("-")[0].lower()
    return base if base in STEMMED_LANGUAGES else None


def whoosh_fields(doc: SearchDocument) -> dict[str, Any]:
    """A document as the fields of the index."""
    text = doc.text
    lead = "\n".join([doc.standfirst, *(name for _, name in doc.tags)])
    fields: dict[str, Any] = {
        "id": str(doc.id), "kind": doc.kind, "slug": doc.slug, "language": doc.language,
        "year": str(doc.published_at.year), "campaign": str(doc.campaign_id or ""),
        "campaign_title": doc.campaign_title, "tags": ",".join(slug for slug, _ in doc.tags),
        "published": doc.published_at, "title": doc.title, "words": text, "lead": lead,
        "speakers": "\n".join(doc.speakers),
        "passages": [(p.text, p.anchor, p.speaker) for p in doc.snippet_passages()],
    }
    if doc.unpublish_at is not None:
        fields["until"] = index_time(doc.unpublish_at)
    if doc.original_id is not None:
        fields["translation_of"] = str(doc.original_id)
    language = stem_language(doc.language)
    if language:
        fields[f"stem_{language}"] = text
        fields[f"title_{language}"] = doc.title
        fields[f"lead_{language}"] = lead
    return fields


def stored_passages(stored: dict[str, Any]) -> list[Passage]:
    """The stored passages; an index written before passages has the standfirst, the body
    and the turns instead."""
    if "passages" in stored:
        return [Passage(text, anchor, speaker) for text, anchor, speaker in stored["passages"]]
    old = [Passage(stored.get("standfirst") or ""), Passage(stored.get("body") or "")]
    return [*old, *(Passage(text, "", speaker) for speaker, text in stored.get("turns") or [])]
