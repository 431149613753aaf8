"""cms/search/whoosh/matching.py reads the private attributes of Whoosh-Reloaded's block matcher
(_BLOCK_API) and falls back, silently and slowly, when they are missing. Whoosh-Reloaded is
pinned exactly in pyproject.toml for that reason: these tests fail when the installed version
drifts from the pin, when the pinned version's attributes change, or when the fast path stops
reading what the public matcher API reads."""

from __future__ import annotations

import tomllib
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from whoosh import index

from cms.search.whoosh.matching import _BLOCK_API, _read_blocks
from cms.search.whoosh.schema import build_schema

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"
FIELD = "words"
# Postings longer than Whoosh's 128 per block: several blocks, the last one partial.
DOCUMENTS = 300
TERMS = {
    "common": "every document, 1 to 4 times (weights vary within a block)",
    "steady": "every third document, once (a block's weights are all 1.0)",
    "twice": "every fifth document, twice (a block's weights are one value)",
    "rare": "one document",
}


def _pinned_whoosh() -> Requirement:
    dependencies = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["dependencies"]
    found = [Requirement(text) for text in dependencies
             if canonicalize_name(Requirement(text).name) == "whoosh-reloaded"]
    assert len(found) == 1, "pyproject.toml names whoosh-reloaded once among the dependencies"
    return found[0]


def test_whoosh_reloaded_is_pinned_exactly_and_installed_at_the_pin() -> None:
    requirement = _pinned_whoosh()
    specifiers = list(requirement.specifier)
    assert len(specifiers) == 1 and specifiers[0].operator == "==", (
        f"whoosh-reloaded must be pinned with == (cms/search/whoosh/matching.py reads its private "
        f"attributes), not {requirement.specifier}")
    assert version("Whoosh-Reloaded") == specifiers[0].version, (
        "the installed Whoosh-Reloaded is not the pinned one: run `make install`")


def _text(docnum: int) -> str:
    words = ["common"] * (docnum % 4 + 1) + ["filler", f"word{docnum}"]
    if docnum % 3 == 0:
        words.append("steady")
    if docnum % 5 == 0:
        words += ["twice", "twice"]
    if docnum == 123:
        words.append("rare")
    return " ".join(words)


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The project's own schema, DOCUMENTS pieces in two segments."""
    folder = tmp_path_factory.mktemp("whoosh-pin")
    ix = index.create_in(str(folder), build_schema())
    half = DOCUMENTS // 2
    for batch in (range(half), range(half, DOCUMENTS)):
        writer = ix.writer()
        for docnum in batch:
            writer.add_document(id=str(docnum), kind="article", language="en", title=f"Piece {docnum}",
                                words=_text(docnum))
        writer.commit(merge=False)
    with ix.searcher() as opened:
        yield opened
    ix.close()


def _leaves(searcher: Any) -> list[tuple[Any, int]]:
    return list(searcher.reader().leaf_readers())


def _public(matcher: Any, offset: int) -> tuple[list[int], list[float]]:
    ids: list[int] = []
    weights: list[float] = []
    while matcher.is_active():
        ids.append(matcher.id() + offset)
        weights.append(matcher.weight())
        matcher.next()
    return ids, weights


def test_the_index_has_several_segments_and_blocks(searcher: Any) -> None:
    assert len(_leaves(searcher)) == 2
    assert searcher.doc_frequency(FIELD, "common") == DOCUMENTS > 2 * 128


@pytest.mark.parametrize("term", TERMS)
def test_the_block_matcher_has_the_private_attributes_matching_reads(searcher: Any, term: str) -> None:
    matchers = [leaf.postings(FIELD, term) for leaf, _offset in _leaves(searcher) if (FIELD, term) in leaf]
    assert matchers, f"{term!r} is in the index"
    for matcher in matchers:
        missing = [name for name in _BLOCK_API if not hasattr(matcher, name)]
        assert not missing, (
            f"Whoosh-Reloaded {version('Whoosh-Reloaded')}'s {type(matcher).__name__} lacks {missing}: "
            "cms/search/whoosh/matching.py falls back to the slow public API")


@pytest.mark.parametrize("term", TERMS)
def test_the_fast_path_reads_what_the_public_api_reads(searcher: Any, term: str) -> None:
    fast_ids: list[int] = []
    fast_weights: list[float] = []
    public_ids: list[int] = []
    public_weights: list[float] = []
    for leaf, offset in _leaves(searcher):
        if (FIELD, term) not in leaf:
            continue
        _read_blocks(leaf.postings(FIELD, term), offset, fast_ids, fast_weights)
        ids, weights = _public(leaf.postings(FIELD, term), offset)
        public_ids += ids
        public_weights += weights
    assert public_ids, f"{term!r} is in the index"
    assert fast_ids == public_ids
    assert fast_weights == public_weights
    # And they are what was indexed.
    expected = [docnum for docnum in range(DOCUMENTS) if term in _text(docnum).split()]
    assert public_ids == expected
    assert public_weights == [float(_text(docnum).split().count(term)) for docnum in expected]
