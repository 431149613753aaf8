"""Bylines: the people credited on a piece, as the desk writes them ("Name", or "Name (role)"
one per line) and as readers see them; contributors' own details and pages."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Select, func, select

from cms.articles.models import Contributor, Credit, CreditRole, Piece, Revision
from cms.extensions import db
from cms.permissions import Action, require
from cms.rules import RuleError, clean_name
from cms.slugs import make_slug, unique_slug

ROLE_SUFFIX = re.compile(r"^(?P<name>.*?)\s*\((?P<role>{})\)$".format("|".join(r.value for r in CreditRole)),
                         re.IGNORECASE)
MAX_CREDITS = 20
LINK = re.compile(r"https?://[^\s/]+[^\s]*", re.IGNORECASE)


def parse_bylines(text: str) -> list[tuple[str, CreditRole]]:
    """(name, role) per line; a line ending in "(interviewer)", "(translator)"... names that
    role, any other line an author. Blank lines are skipped, a person credited once per role."""
    found: list[tuple[str, CreditRole]] = []
    for line in text.splitlines():
        match = ROLE_SUFFIX.match(line.strip())
        name, role = line, CreditRole.AUTHOR
        if match:
            name, role = match["name"], CreditRole(match["role"].lower())
        name = clean_name(name)[:200]
        if not name and match:
            raise RuleError("bylines", f"“{line.strip()}” names a role but nobody: write the person's "
                            "name before it.")
        if name and (name.casefold(), role) not in {(n.casefold(), r) for n, r in found}:
            found.append((name, role))
    if len(found) > MAX_CREDITS:
        raise RuleError("bylines", f"Credit at most {MAX_CREDITS} people on one piece.")
    return found


def format_bylines(credits: list[tuple[str, CreditRole]]) -> str:
    """The desk's text for these credits: what a revision keeps."""
    return "\n".join(name if role == CreditRole.AUTHOR else f"{name} ({role.value})"
                     for name, role in credits)


def contributor_named(name: str) -> Contributor:
    """The contributor with exactly this name, created when new: the same name is the same
    person, and a name spelled otherwise ("Schöck", "Schock") is not."""
    found = db.session.scalar(select(Contributor).where(Contributor.name == name))
    if found is None:
        found = Contributor(name=name, slug=unique_slug(make_slug(name, "contributor"), Contributor))
        db.session.add(found)
        db.session.flush()
    return found


def credits_shown(text: str) -> list[Credit]:
    """Credits for an unsaved copy of a piece (a preview), creating nobody: a new name is a
    contributor that is not stored yet."""
    shown = []
    for position, (name, role) in enumerate(parse_bylines(text)):
        person = (db.session.scalar(select(Contributor).where(Contributor.name == name))
                  or Contributor(name=name, slug=make_slug(name, "contributor")))
        shown.append(Credit(position=position, contributor=person, role=role))
    return shown


def set_credits(piece: Piece, text: str) -> None:
    """Credit on `piece` the people `text` names (a revision's `credits`), in order."""
    wanted = parse_bylines(text)
    piece.credits = [Credit(position=position, contributor=contributor_named(name), role=role)
                     for position, (name, role) in enumerate(wanted)]


# --- Contributors' details and pages ---------------------------------------------------------


@dataclass
class ContributorData:
    name: str
    bio: str = ""
    link: str = ""


def update_contributor(user: object, contributor: Contributor, data: ContributorData) -> Contributor:
    """Editors and admins set a contributor's name, short bio and link."""
    require(user, Action.EDIT_ANY_PIECE)
    name = clean_name(data.name)[:200]
    if not name:
        raise RuleError("name", "A name is required.")
    other = db.session.scalar(select(Contributor).where(Contributor.name == name,
                                                        Contributor.id != contributor.id))
    if other is not None:
        raise RuleError("name", f"“{other.name}” is already a contributor: use that name on the pieces.")
    link = data.link.strip()
    if link and not LINK.fullmatch(link):
        raise RuleError("link", "Give the link as an address starting with https:// or http://.")
    if name != contributor.name:
        _rename_in_revisions(contributor.name, name)
    contributor.name, contributor.bio, contributor.link = name, data.bio.strip(), link
    db.session.commit()
    return contributor


def _rename_in_revisions(old: str, new: str) -> None:
    """Revisions name people by name: a renamed contributor is renamed in them too, so that
    publishing or restoring one credits the same person, not a new one with the old name."""
    for revision in db.session.scalars(select(Revision).where(Revision.credits.contains(old))):
        credits = [(new if name == old else name, role) for name, role in parse_bylines(revision.credits)]
        revision.credits = format_bylines(credits)


def contributor_pieces(contributor: Contributor) -> Select[tuple[Piece]]:
    """The public pieces that credit a contributor, newest first."""
    credited = select(Credit.piece_id).where(Credit.contributor_id == contributor.id)
    return (select(Piece).where(Piece.public_filter(), Piece.id.in_(credited))
            .order_by(Piece.published_at.desc(), Piece.id.desc()))


def public_contributor(slug: str) -> Contributor | None:
    """A contributor readers may know of: one credited on a public piece."""
    found = db.session.scalar(select(Contributor).where(Contributor.slug == slug))
    if found is None or db.session.scalar(contributor_pieces(found).limit(1)) is None:
        return None
    return found


def all_contributors() -> list[tuple[Contributor, int]]:
    """Every contributor with how many pieces credit them, by name: for the desk."""
    count = (select(Credit.contributor_id, func.count(func.distinct(Credit.piece_id)).label("n"))
             .group_by(Credit.contributor_id).subquery())
    rows = db.session.execute(select(Contributor, func.coalesce(count.c.n, 0))
                              .outerjoin(count, count.c.contributor_id == Contributor.id)
                              .order_by(Contributor.name))
    return [(contributor, int(n)) for contributor, n in rows]
