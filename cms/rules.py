"""What every domain's services share: the error a broken rule raises, and the characters
that no stored text may hold."""

from __future__ import annotations

import re
import unicodedata


class RuleError(ValueError):
    """A change that breaks a rule; `field` names the form field to show `message` on."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


# C0 control characters but tab, line feed and carriage return; DEL (PostgreSQL refuses NUL,
# nobody types them); Unicode's non-characters (U+FDD0-U+FDEF and the last two code points of
# every plane: XML forbids U+FFFE and U+FFFF, so one of them in a title breaks every feed);
# lone surrogates.
UNACCEPTED = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufdd0-\ufdef"
    + "".join(f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17))
    + "]"
)
# Bidirectional controls (embeddings, overrides, isolates, marks): in a name they can make
# it read as another, or reverse the text after it.
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# Invisible in a name, and a way to make two names look alike: the zero-width space, the word
# joiner, the byte-order mark. (Zero-width joiners and non-joiners stay: Persian needs them.)
INVISIBLE_IN_NAMES = re.compile("[\u200b\u2060\ufeff]")


def accepted_text(text: str) -> str:
    """`text` without the characters no stored text may hold."""
    return UNACCEPTED.sub("", text)


def clean_name(text: str) -> str:
    """A person's name as stored: accepted characters, no bidi controls nor zero-width
    spaces, spaces folded."""
    return " ".join(INVISIBLE_IN_NAMES.sub("", BIDI_CONTROLS.sub("", accepted_text(text))).split())


def blank(text: str) -> bool:
    """Whether a text shows nothing: only spaces and invisible characters (zero-width spaces
    and joiners, direction marks, combining marks on nothing)."""
    return all(char.isspace() or unicodedata.category(char) in {"Cf", "Mn", "Me"} for char in text)


def small_int(value: str | None) -> int | None:
    """A positive id or page number typed in a form or query string: ASCII digits only
    ("²" and "١٢" are digits to Python, not ids), below 2**31; anything else is None."""
    if not value or not value.isascii() or not value.isdigit() or len(value) > 10:
        return None
    number = int(value)
    return number if 0 < number < 2**31 else None
