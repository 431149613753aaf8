"""Translations: one story in several languages. A translation is a piece of its own (slug,
status, revisions, bylines, comments) that names its original; the original and its
translations are a group. A translation is outdated when its original has published a later
revision than the one it follows."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from cms.accounts.models import User
from cms.articles import services
from cms.articles.models import Piece
from cms.extensions import db
from cms.languages import language_name, site_languages
from cms.permissions import Action, can, require
from cms.slugs import make_slug, unique_slug


def original_of(piece: Piece) -> Piece:
    """The group's original: the piece itself unless it is a translation."""
    return piece.original if piece.original is not None else piece


def group(piece: Piece) -> list[Piece]:
    """The original and every translation of it, the original first, then by language."""
    original = original_of(piece)
    translations = db.session.scalars(select(Piece).where(Piece.original_id == original.id)
                                      .order_by(Piece.language, Piece.id)).all()
    return [original, *translations]


def public_siblings(piece: Piece) -> list[Piece]:
    """The other members of a piece's group that readers may see: for "Also in"."""
    return [member for member in group(piece) if member.id != piece.id and member.is_public()]


def is_outdated(piece: Piece) -> bool:
    """A translation whose original has a later revision than the one it follows."""
    original = piece.original
    return original is not None and original.revision_number > (piece.source_revision or 0)


def missing_languages(piece: Piece) -> list[str]:
    """The site's languages the group has no member in yet: what "Translate" offers."""
    taken = {member.language for member in group(piece)}
    return [code for code in site_languages() if code not in taken]


def translate(piece: Piece, user: User, language: str) -> Piece:
    """A new draft in `language`, prefilled from the original as readers see it (an interview
    with every turn and speaker kept, so only the text changes), crediting `user` as the
    translator after the original's bylines."""
    require(user, Action.WRITE)
    require(user, Action.SEE_PIECE, piece)
    original = original_of(piece)
    if language not in missing_languages(original):
        raise services.PieceError("language", f"This {original.noun} has a version in "
                                  f"{language_name(language)} already, or the site does not offer it.")
    bylines = "\n".join(filter(None, [_credits_text(original), f"{user.display_name} (translator)"]))
    data = services.PieceData(
        title=original.title, standfirst=original.standfirst, body_source=original.body_source,
        slug=unique_slug(make_slug(f"{original.slug}-{language}"), Piece), language=language,
        campaign_id=original.campaign_id, topics=[t.name for t in original.topics],
        countries=[t.name for t in original.countries], comments_open=original.comments_open,
        bylines=bylines, note=f"Translation of revision {original.revision_number} of the original")
    translation = services.create_piece(user, data, type(original), original=original)
    translation.take_confirmations_from(original)
    db.session.commit()
    return translation


def _credits_text(piece: Piece) -> str:
    return services.format_bylines([(c.contributor.name, c.role) for c in piece.credits
                                    if c.role.value != "translator"])


# --- The desk and the command line ------------------------------------------------------------


def outdated_translations(user: User | None = None) -> list[Piece]:
    """Translations out of the trash whose original has changed since (those `user` manages)."""
    original = db.aliased(Piece)
    query = (select(Piece).join(original, Piece.original_id == original.id)
             .where(Piece.trashed_at.is_(None),
                    original.revision_number > func.coalesce(Piece.source_revision, 0))
             .order_by(Piece.updated_at.desc()))
    if user is not None and not can(user, Action.EDIT_ANY_PIECE):
        query = query.where(Piece.author_id == user.id)
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class LanguageStatus:
    language: str
    pieces: int  # public pieces written in it
    translated: int  # of them, translations
    outdated: int  # of the translations, outdated
    missing: int  # public originals with no version in it


def translation_status() -> list[LanguageStatus]:
    """Per site language: the numbers `translations status` prints."""
    public = db.session.scalars(select(Piece).where(Piece.public_filter())).all()
    originals = [p for p in public if p.original_id is None]
    versions = {(p.original_id or p.id, p.language) for p in public}
    rows = []
    for code in site_languages():
        written = [p for p in public if p.language == code]
        translated = [p for p in written if p.original_id is not None]
        rows.append(LanguageStatus(
            code, len(written), len(translated), sum(is_outdated(p) for p in translated),
            sum((p.id, code) not in versions for p in originals)))
    return rows

