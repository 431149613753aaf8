"""Reading revisions: the head (the newest save), whether a live piece has changes waiting,
a comparison of any two, and the draft as readers would see it once published.

Writing them (every save, "Publish changes", restoring one) is a rule of
cms.articles.services; nothing here changes the database.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from markupsafe import Markup, escape
from sqlalchemy import func, select

from cms.articles.credits import credits_shown
from cms.articles.models import Image, Piece, PieceStatus, Revision, Tag, TagKind
from cms.campaigns.models import Campaign
from cms.extensions import db
from cms.slugs import make_slug

CONTEXT_LINES = 2  # unchanged lines shown around each change of a long text
WORD = re.compile(r"\w+|\s+|[^\w\s]")  # what a changed line is compared by
# Past these, a changed stretch is shown removed and added whole: matching is quadratic at worst,
# and a body may be CMS_BODY_MAX_CHARS long (bench/worst_case.py times the worst we know).
MAX_LINES = 1000
MAX_WORDS = 300
MATCHED_LINES = 100  # changed lines compared word by word; the others shown changed whole


def head_revision(piece: Piece) -> Revision | None:
    """The newest revision of a piece: what its editor shows."""
    return db.session.scalar(select(Revision).where(Revision.piece_id == piece.id)
                             .order_by(Revision.number.desc()).limit(1))


def revision(piece: Piece, number: int) -> Revision | None:
    return db.session.scalar(select(Revision).where(Revision.piece_id == piece.id,
                                                    Revision.number == number))


def revisions_of(piece: Piece) -> list[Revision]:
    """Every revision, the newest first."""
    return list(db.session.scalars(select(Revision).where(Revision.piece_id == piece.id)
                                   .order_by(Revision.number.desc())))


def is_live(piece: Piece) -> bool:
    """Published (shown, scheduled or ended): a save waits for "Publish changes"."""
    return piece.status == PieceStatus.PUBLISHED


def pending_revision(piece: Piece) -> Revision | None:
    """The newest revision when a published piece has saved changes readers do not see yet."""
    if not is_live(piece):
        return None
    head = head_revision(piece)
    return head if head is not None and head.number > piece.revision_number else None


def pieces_with_pending_changes(pieces: Iterable[Piece]) -> set[int]:
    """The ids, among `pieces`, of published ones with changes waiting: one query."""
    live = {piece.id: piece.revision_number for piece in pieces if is_live(piece)}
    if not live:
        return set()
    rows = db.session.execute(select(Revision.piece_id, func.max(Revision.number))
                              .where(Revision.piece_id.in_(live)).group_by(Revision.piece_id))
    return {piece_id for piece_id, newest in rows if newest > live[piece_id]}


# --- Comparing two revisions ------------------------------------------------------------------

FIELD_LABELS = {
    "title": "Title", "slug": "Address (slug)", "standfirst": "Standfirst", "credits": "Bylines",
    "body_source": "Body",
    "language": "Language", "campaign_id": "Campaign", "topics": "Topics",
    "countries": "Countries", "image_id": "Lead image", "image_alt": "Alternative text",
    "image_caption": "Caption", "image_credit": "Credit", "image_licence_name": "Licence",
    "image_licence_url": "Licence address", "image_source_url": "Source address",
}


@dataclass(frozen=True)
class FieldChange:
    """One field that differs between two revisions, as HTML lines with <del> and <ins>."""

    label: str
    lines: list[tuple[str, Markup]]  # ("same" | "removed" | "added" | "changed" | "gap", html)


def _shown(revision: Revision, name: str) -> str:
    """A field as people read it: the campaign's title, the image's file, not their ids."""
    value = getattr(revision, name)
    if name == "campaign_id":
        campaign = db.session.get(Campaign, value) if value is not None else None
        return campaign.title if campaign else ("(none)" if value is None else "(a deleted campaign)")
    if name == "image_id":
        image = db.session.get(Image, value) if value is not None else None
        return f"image {image.filename}" if image else "(none)"
    return value or ""


def _opcodes(a: list[str], b: list[str], most: int) -> list[tuple[str, int, int, int, int]]:
    """difflib's opcodes from `a` to `b` in bounded time: the common start and end are taken
    as they are, and a changed stretch longer than `most` items on either side (or when `most`
    is 0) is shown removed and added whole rather than matched (quadratic at worst)."""
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    end = 0
    while end < min(len(a), len(b)) - start and a[-1 - end] == b[-1 - end]:
        end += 1
    middle_a, middle_b = a[start:len(a) - end], b[start:len(b) - end]
    if not most or len(middle_a) > most or len(middle_b) > most:
        inner = [("replace", 0, len(middle_a), 0, len(middle_b))]
    else:
        inner = difflib.SequenceMatcher(None, middle_a, middle_b, autojunk=False).get_opcodes()
    codes = [("equal", 0, start, 0, start)] if start else []
    codes += [(op, i1 + start, i2 + start, j1 + start, j2 + start) for op, i1, i2, j1, j2 in inner
              if (i1, i2, j1, j2) != (0, 0, 0, 0) or op != "equal"]
    if end:
        codes.append(("equal", len(a) - end, len(a), len(b) - end, len(b)))
    return codes


def _words(old: str, new: str, match: bool = True) -> Markup:
    """One changed line with its removed and added words marked (`match`: word by word, else
    the changed stretch between the common start and end, whole)."""
    a, b = WORD.findall(old), WORD.findall(new)
    out: list[str] = []
    for op, i1, i2, j1, j2 in _opcodes(a, b, MAX_WORDS if match else 0):
        if op == "equal":
            out.append(str(escape("".join(a[i1:i2]))))
            continue
        if i2 > i1:
            out.append(f"<del>{escape(''.join(a[i1:i2]))}</del>")
        if j2 > j1:
            out.append(f"<ins>{escape(''.join(b[j1:j2]))}</ins>")
    return Markup("".join(out))


def _lines(old: str, new: str) -> list[tuple[str, Markup]]:
    """Line by line, unchanged runs cut to CONTEXT_LINES around each change."""
    a, b = old.splitlines() or [""], new.splitlines() or [""]
    out: list[tuple[str, Markup]] = []
    matched = 0  # changed lines compared word by word, up to MATCHED_LINES
    grouping = difflib.SequenceMatcher(None, [], [])
    grouping.opcodes = _opcodes(a, b, MAX_LINES) or [("equal", 0, len(a), 0, len(b))]
    for number, group in enumerate(grouping.get_grouped_opcodes(CONTEXT_LINES)):
        if number or group[0][1] > 0:
            out.append(("gap", Markup("…")))
        for op, i1, i2, j1, j2 in group:
            if op == "equal":
                out.extend(("same", escape(line)) for line in a[i1:i2])
            elif op == "replace" and i2 - i1 == j2 - j1:
                for x, y in zip(a[i1:i2], b[j1:j2], strict=True):
                    matched += 1
                    out.append(("changed", _words(x, y, match=matched <= MATCHED_LINES)))
            else:
                out.extend(("removed", Markup(f"<del>{escape(line)}</del>")) for line in a[i1:i2])
                out.extend(("added", Markup(f"<ins>{escape(line)}</ins>")) for line in b[j1:j2])
    return out


def compare(old: Revision, new: Revision) -> list[FieldChange]:
    """The fields that differ from `old` to `new`, in the order of the editor."""
    changes = []
    for name in Revision.CONTENT:
        before, after = _shown(old, name), _shown(new, name)
        if before != after:
            changes.append(FieldChange(FIELD_LABELS[name], _lines(before, after)))
    return changes


# --- The draft as readers would see it ---------------------------------------------------------


def _tags_named(text: str, kind: TagKind) -> list[Tag]:
    """Tags by name without creating any: a new name is a tag that is not stored yet."""
    found: list[Tag] = []
    for name in filter(None, (part.strip() for part in text.split(","))):
        slug = make_slug(name)
        found.append(db.session.scalar(select(Tag).where(Tag.slug == slug))
                     or Tag(kind=kind, name=name, slug=slug))
    return found


def draft_view(piece: Piece) -> Piece:
    """The piece as it would be with its pending revision published: for the preview only,
    never added to the session (the published row is left as it is)."""
    head = pending_revision(piece)
    if head is None:
        return piece
    draft = type(piece)(id=piece.id, kind=piece.kind, status=piece.status,
                        published_at=piece.published_at, unpublish_at=piece.unpublish_at,
                        comments_open=piece.comments_open, author_id=piece.author_id,
                        created_at=piece.created_at, updated_at=head.created_at,
                        revision_number=head.number)
    for name in ("title", "slug", "standfirst", "body_source", "language", "campaign_id"):
        setattr(draft, name, getattr(head, name))
    draft.author = piece.author
    draft.campaign = db.session.get(Campaign, head.campaign_id) if head.campaign_id else None
    draft.tags = _tags_named(head.topics, TagKind.TOPIC) + _tags_named(head.countries, TagKind.COUNTRY)
    draft.credits = credits_shown(head.credits)
    stored = db.session.get(Image, head.image_id) if head.image_id else None
    if stored is not None:
        draft.image = Image(id=stored.id, filename=stored.filename, width=stored.width,
                            height=stored.height, alt_text=head.image_alt, caption=head.image_caption,
                            credit=head.image_credit, licence_name=head.image_licence_name,
                            licence_url=head.image_licence_url, source_url=head.image_source_url)
    draft.copy_parts_from(piece)
    with db.session.no_autoflush:
        draft.render_body()
    return draft
