"""What the PostgreSQL engine sends to the database: texts with ə written out, and the query
language (cms/search/querylang.py) as to_tsquery() input.

The database folds case and accents (unaccent, in each configuration) and stems; the one
letter unaccent leaves, the Azerbaijani schwa, is written "a" here, and a word with one is
also given in its "e" spelling ("Əliyev" is found as "Aliyev" and as "Eliyev", as in the
Whoosh engine). The query is built from words only (\\w+, a letter or digit in each), each
quoted, so nothing a visitor types is read as to_tsquery syntax.
"""

from __future__ import annotations

import re

from cms.search.querylang import Clause, ParsedQuery

WORD = re.compile(r"\w+")
SCHWA = str.maketrans({"ə": "a", "Ə": "A"})
SCHWA_E = str.maketrans({"ə": "e", "Ə": "E"})
SCHWAS = {"ə", "Ə"}
MARKUP = str.maketrans("<>&", "   ")
# Which configuration reads a piece: its language's, or cms_simple (words folded, not stemmed).
CONFIGS = {"en": "english", "ru": "russian"}
STOPWORDS = {"english": "english_stem", "russian": "russian_stem", "simple": "simple"}
SCOPE_WEIGHTS = {"title": "A", "speaker": "D"}  # weights of the fields a prefix looks in


def config_for(language: str) -> str:
    return CONFIGS.get((language or "").split("-")[0].lower(), "simple")


def document_text(text: str) -> str:
    """The text with ə written a, and the e spellings of its ə words after it; "<", ">" and "&"
    become spaces (the database's parser reads a "<script>" typed in a text as a tag and skips
    what follows it)."""
    text = text.translate(MARKUP)
    if SCHWAS.isdisjoint(text):
        return text
    others = sorted({word.translate(SCHWA_E) for word in WORD.findall(text) if SCHWAS & set(word)})
    return text.translate(SCHWA) + "\n" + " ".join(others)


def _words(text: str) -> list[str]:
    return [word for word in WORD.findall(text) if re.search(r"[^\W_]", word)]


def _operand(word: str, weight: str) -> str:
    """One word, in each of its spellings (the case is the database's to fold: Python would
    write "İ" as "i" and a combining dot)."""
    spellings = [word.translate(SCHWA), word.translate(SCHWA_E)] if SCHWAS & set(word) else [word]
    quoted = [f"'{spelling}'{weight}" for spelling in dict.fromkeys(spellings)]
    return quoted[0] if len(quoted) == 1 else "(" + " | ".join(quoted) + ")"


def clause_query(clause: Clause) -> str | None:
    """A clause as to_tsquery input: its words in order for a phrase, all of them otherwise."""
    words = _words(clause.text)
    if not words:
        return None
    weight = f":{SCOPE_WEIGHTS[clause.scope]}" if clause.scope in SCOPE_WEIGHTS else ""
    joiner = " <-> " if clause.phrase else " & "
    return "(" + joiner.join(_operand(word, weight) for word in words) + ")"


def match_query(parsed: ParsedQuery) -> str | None:
    """Every group (one of its clauses), none of the exclusions; None: nothing to search."""
    groups = []
    for group in parsed.groups:
        either = [found for clause in group if (found := clause_query(clause))]
        if either:
            groups.append("(" + " | ".join(either) + ")")
    if not groups:
        return None
    excluded = [found for clause in parsed.excluded if (found := clause_query(clause))]
    return " & ".join([*groups, *(f"!{found}" for found in excluded)])


def rank_query(parsed: ParsedQuery) -> str | None:
    """Every word asked for, any of them: what ts_rank weighs (each word once)."""
    words = dict.fromkeys(word for group in parsed.groups for clause in group
                          for word in _words(clause.text))
    return " | ".join(_operand(word, "") for word in words) or None
