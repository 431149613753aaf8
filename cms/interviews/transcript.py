"""The interview transcript format: parse what writers paste, print a stored interview back.

    Introduction paragraphs, then turns:

    Dr. Jane Roe (JR): The first time a speaker talks, the full name declares the initials.

    Ivan Petrov (ИП): Initials are 1-4 letters of any script.

    JR: After that the initials are enough.[^1]

    A paragraph with no speaker label continues the current turn.

    [^1]: Footnotes are defined after the last turn.

The plain footnote style, "(1)" in a turn and a final paragraph "(1) The note.", becomes
the same footnote. The first speaker is the interviewer and the others interviewees,
unless a declaration says otherwise: "Ivan Petrov (ИП, interviewer):".
Pure functions: no Flask, no database.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field

INTERVIEWER = "interviewer"
INTERVIEWEE = "interviewee"

# Initials: 1-4 letters of any script, none of them lower case ("Note:" is not a label).
_INITIALS = r"[^\W\d_]{1,4}"
_DECLARATION = re.compile(
    rf"^(?P<name>[^\s():][^():\n]{{0,199}}?)\s*\(\s*(?P<initials>{_INITIALS})"
    rf"(?:\s*,\s*(?P<role>{INTERVIEWER}|{INTERVIEWEE}))?\s*\):(?:\s+|$)(?P<rest>.*)$"
)
_REFERENCE = re.compile(rf"^(?P<initials>{_INITIALS}):(?:\s+|$)(?P<rest>.*)$")
_FOOTNOTE = re.compile(r"^\[\^(?P<label>[^\]\s]+)\]:\s*(?P<text>.*)$")
_PLAIN_NOTE = re.compile(r"^\((?P<label>\d{1,3})\)\s+(?P<text>.*)$")


class ParseError(ValueError):
    """A transcript that cannot be read; `line` is 1-based."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"Line {line}: {message}")
        self.line = line
        self.message = message


@dataclass
class Speaker:
    name: str
    initials: str
    role: str = INTERVIEWEE
    line: int = field(default=0, compare=False)  # where the speaker was declared
    explicit_role: bool = field(default=False, compare=False)  # the declaration named the role


@dataclass
class TurnText:
    initials: str
    text: str  # Markdown, footnote references as [^label]
    line: int = field(default=0, compare=False)


@dataclass
class Transcript:
    introduction: str = ""
    speakers: list[Speaker] = field(default_factory=list)
    turns: list[TurnText] = field(default_factory=list)
    footnotes: list[tuple[str, str]] = field(default_factory=list)  # (label, Markdown text)

    def speaker(self, initials: str) -> Speaker:
        return next(s for s in self.speakers if s.initials == initials)


@dataclass
class _Paragraph:
    line: int
    lines: list[str]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def normalize_newlines(text: str) -> str:
    """CRLF and CR count as LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _paragraphs(text: str) -> list[_Paragraph]:
    """Blocks of non-blank lines, each with the number of its first line."""
    found: list[_Paragraph] = []
    current: _Paragraph | None = None
    for number, line in enumerate(normalize_newlines(text).split("\n"), start=1):
        if not line.strip():
            current = None
            continue
        if current is None:
            current = _Paragraph(number, [])
            found.append(current)
        current.lines.append(line.rstrip())
    return found


def _is_initials(text: str) -> bool:
    return not any(char.islower() for char in text)


def _label(first_line: str) -> tuple[str, str | None, str | None, str] | None:
    """(initials, name or None, role or None, rest of the line) of a speaker label."""
    found = _DECLARATION.match(first_line)
    if found and _is_initials(found["initials"]):
        return found["initials"], found["name"].strip(), found["role"], found["rest"]
    found = _REFERENCE.match(first_line)
    if found and _is_initials(found["initials"]):
        return found["initials"], None, None, found["rest"]
    return None


def _definitions(paragraph: _Paragraph, pattern: re.Pattern[str]) -> list[tuple[str, str, int]]:
    """Footnote definitions in a paragraph: (label, text, line); a line without a label
    continues the definition above it."""
    notes: list[list] = []
    for offset, line in enumerate(paragraph.lines):
        found = pattern.match(line)
        if found:
            notes.append([found["label"], found["text"].strip(), paragraph.line + offset])
        else:
            notes[-1][1] += "\n" + line.strip()
    return [(label, text, number) for label, text, number in notes]


class _Reader:
    """The state of one pass over the paragraphs."""

    def __init__(self) -> None:
        self.transcript = Transcript()
        self.introduction: list[str] = []
        self.turn_paragraphs: list[list[tuple[int, str]]] = []  # (line, Markdown)
        self.notes: list[tuple[str, str, int]] = []  # Markdown style
        self.in_notes = False

    def read(self, paragraph: _Paragraph) -> None:
        label = _label(paragraph.lines[0])
        if label is not None:
            self.in_notes = False
            self._start_turn(paragraph, *label)
        elif _FOOTNOTE.match(paragraph.lines[0]) and self.transcript.turns:
            self.in_notes = True
            self.notes.extend(_definitions(paragraph, _FOOTNOTE))
        elif self.in_notes:  # a further paragraph of the last footnote
            label, text, number = self.notes[-1]
            further = textwrap.dedent(paragraph.text).strip()
            self.notes[-1] = (label, f"{text}\n\n{further}", number)
        elif self.transcript.turns:
            self.turn_paragraphs[-1].append((paragraph.line, paragraph.text))
        else:
            self.introduction.append(paragraph.text)

    def _start_turn(self, paragraph: _Paragraph, initials: str, name: str | None,
                    role: str | None, rest: str) -> None:
        known = {s.initials: s for s in self.transcript.speakers}
        if name is None and initials not in known:
            raise ParseError(
                paragraph.line,
                f"the initials {initials} are used before a speaker declares them; "
                f"the first time, write the full name: “Full Name ({initials}):”.",
            )
        if name is not None and initials in known and known[initials].name != name:
            first = known[initials]
            raise ParseError(
                paragraph.line,
                f"{name} and {first.name} (line {first.line}) both have the initials {initials}; "
                f"give each speaker different initials.",
            )
        if initials not in known:
            default = INTERVIEWER if not self.transcript.speakers else INTERVIEWEE
            self.transcript.speakers.append(Speaker(
                name=" ".join((name or "").split()), initials=initials, role=role or default,
                line=paragraph.line, explicit_role=role is not None,
            ))
        first = "\n".join([rest.strip(), *paragraph.lines[1:]]).strip("\n")
        self.transcript.turns.append(TurnText(initials=initials, text="", line=paragraph.line))
        self.turn_paragraphs.append([(paragraph.line, first)] if first.strip() else [])

    def finish(self) -> Transcript:
        transcript = self.transcript
        if not transcript.turns:
            raise ParseError(1, "there is no turn: start each turn with the speaker, "
                                "“Full Name (XX):” the first time and “XX:” after that.")
        plain = self._plain_notes()
        defined: dict[str, int] = {}
        for label, text, number in [*self.notes, *plain]:
            if label in defined:
                raise ParseError(number, f"the footnote {label} is defined twice "
                                         f"(first on line {defined[label]}).")
            defined[label] = number
            transcript.footnotes.append((label, text))
        plain_labels = {label for label, _text, _number in plain}
        for turn, paragraphs in zip(transcript.turns, self.turn_paragraphs, strict=True):
            text = "\n\n".join(said for _line, said in paragraphs)
            if not text.strip():
                raise ParseError(turn.line, f"the turn of {turn.initials} says nothing.")
            for label in plain_labels:
                text = text.replace(f"({label})", f"[^{label}]")
            turn.text = text
        transcript.introduction = "\n\n".join(self.introduction)
        return transcript

    def _plain_notes(self) -> list[tuple[str, str, int]]:
        """Final "(1) ..." paragraphs of a turn, where a turn said "(1)": plain-style footnotes."""
        found: list[tuple[str, str, int]] = []
        said_before = ""
        for paragraphs in self.turn_paragraphs:
            notes_here: list[tuple[str, str, int]] = []
            while len(paragraphs) > 1 and _PLAIN_NOTE.match(paragraphs[-1][1]):
                line, text = paragraphs[-1]
                notes = _definitions(_Paragraph(line, text.split("\n")), _PLAIN_NOTE)
                said = said_before + "\n\n".join(t for _line, t in paragraphs[:-1])
                if not all(f"({label})" in said for label, _text, _number in notes):
                    break
                notes_here[:0] = notes
                paragraphs.pop()
            found.extend(notes_here)
            said_before += "\n\n".join(t for _line, t in paragraphs) + "\n\n"
        return found


def parse(text: str) -> Transcript:
    """Read a transcript; raises ParseError naming the line of the first problem."""
    reader = _Reader()
    for paragraph in _paragraphs(text):
        reader.read(paragraph)
    return reader.finish()


def default_role(position: int) -> str:
    """The role a speaker gets without saying: the first one asks the questions."""
    return INTERVIEWER if position == 0 else INTERVIEWEE


def _indent_continuation(text: str) -> str:
    """Further paragraphs of a footnote are indented, as Markdown expects."""
    first, *rest = text.split("\n\n")
    return "\n\n".join([first] + ["\n".join("    " + line for line in p.split("\n")) for p in rest])


def export(transcript: Transcript) -> str:
    """The transcript as text that `parse` reads back to the same speakers, turns and notes."""
    blocks: list[str] = []
    if transcript.introduction.strip():
        blocks.append(transcript.introduction.strip("\n"))
    declared: set[str] = set()
    for turn in transcript.turns:
        if turn.initials in declared:
            label = f"{turn.initials}:"
        else:
            speaker = transcript.speaker(turn.initials)
            position = transcript.speakers.index(speaker)
            role = "" if speaker.role == default_role(position) else f", {speaker.role}"
            label = f"{speaker.name} ({speaker.initials}{role}):"
            declared.add(turn.initials)
        blocks.append(f"{label} {turn.text}".rstrip())
    for label, text in transcript.footnotes:
        blocks.append(f"[^{label}]: {_indent_continuation(text)}")
    return "\n\n".join(blocks) + "\n"
