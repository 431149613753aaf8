"""The visitor's query language, read into clauses that any backend can run.

Words are ANDed; "quoted phrases"; -word excludes; OR between two clauses makes them
alternatives; title: and speaker: restrict a clause. Whatever is typed is read, never
refused: control characters become spaces, an unbalanced quote is dropped, a lone
operator ("-", "OR", a bare "title:") is dropped, markup tags are dropped, and the text is
cut at MAX_CHARS characters and MAX_CLAUSES clauses.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

MAX_CHARS = 300
MAX_CLAUSES = 16
TAG = re.compile(r"</?[a-zA-Z][^<>]{0,200}>")
BARE_SCOPES = {"title:", "speaker:"}  # a prefix with nothing after it: dropped, as a lone "-" is
TOKEN = re.compile(r'(-?)(?:(title|speaker):)?(?:"([^"]*)"|([^\s"]+))', re.IGNORECASE)


@dataclass(frozen=True)
class Clause:
    text: str
    phrase: bool = False
    scope: str | None = None  # None: everywhere; "title" or "speaker"


@dataclass
class ParsedQuery:
    """All groups must match (a group matches when one of its clauses does); no exclusion may."""

    groups: list[list[Clause]] = field(default_factory=list)
    excluded: list[Clause] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.groups


def clean(text: str) -> str:
    """Markup tags, control and format characters become spaces; spaces collapse; cut to MAX_CHARS."""
    text = TAG.sub(" ", text[: MAX_CHARS * 4])
    kept = "".join(" " if unicodedata.category(c) in {"Cc", "Cf", "Zl", "Zp"} else c for c in text)
    return " ".join(kept.split())[:MAX_CHARS]


def parse(text: str) -> ParsedQuery:
    text = clean(text)
    if text.count('"') % 2:
        head, _, tail = text.rpartition('"')
        text = head + " " + tail
    query = ParsedQuery()
    pending_or = False
    for match in TOKEN.finditer(text):
        minus, scope, quoted, bare = match.groups()
        if len(query.groups) + len(query.excluded) >= MAX_CLAUSES:
            break
        if quoted is None and bare == "OR" and not minus and not scope:
            if query.groups and not pending_or:
                pending_or = True
                continue
        elif quoted is None and not scope and (bare in {"-", "OR"} or bare.lower() in BARE_SCOPES):
            continue
        value = quoted if quoted is not None else bare
        if not value.strip():
            continue
        clause = Clause(value.strip(), phrase=quoted is not None, scope=scope.lower() if scope else None)
        if minus:
            query.excluded.append(clause)
        elif pending_or:
            query.groups[-1].append(clause)
        else:
            query.groups.append([clause])
        pending_or = False
    if pending_or:  # "a OR": the OR was a word after all
        query.groups.append([Clause("OR")])
    if not query.groups and query.excluded:  # nothing to exclude from: search the words
        query.groups = [[clause] for clause in query.excluded]
        query.excluded = []
    return query


def _clause_text(clause: Clause) -> str:
    value = f'"{clause.text}"' if clause.phrase else clause.text
    return f"{clause.scope}:{value}" if clause.scope else value


def to_text(query: ParsedQuery) -> str:
    """The query written back in the query language."""
    parts = [" OR ".join(_clause_text(c) for c in group) for group in query.groups]
    parts += ["-" + _clause_text(c) for c in query.excluded]
    return " ".join(parts)


def corrected(query: ParsedQuery, words_of: Callable[[str], Iterable[str]],
              finds: Callable[[str, str | None], bool],
              guesses: Callable[[str], Iterable[str]]) -> ParsedQuery | None:
    """The query with each word readers cannot find (longer than two letters; not a speaker's
    name) replaced by the first of its `guesses` that they can, or None when no word changed.
    A word is corrected only to a word that finds a piece readers may see now: an engine's
    lexicon also holds the words of scheduled and removed pieces, which must not show through.
    Each engine then checks the corrected query has results as a whole."""
    changed = False
    groups: list[list[Clause]] = []
    for group in query.groups:
        fixed: list[Clause] = []
        for clause in group:
            if clause.scope == "speaker":
                fixed.append(clause)
                continue
            words = []
            for word in words_of(clause.text):
                if len(word) > 2 and not finds(word, clause.scope):
                    for guess in guesses(word):
                        if guess != word and finds(guess, clause.scope):
                            word, changed = guess, True
                            break
                words.append(word)
            fixed.append(Clause(" ".join(words), clause.phrase, clause.scope))
        groups.append(fixed)
    return ParsedQuery(groups, query.excluded) if changed else None
