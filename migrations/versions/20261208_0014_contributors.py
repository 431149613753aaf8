"""contributors: the people credited on pieces (bylines), independent of accounts

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-08 00:30:00

Every existing piece credits its writer's display name, as its page said until now; each
revision keeps its credits as text.
"""
import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

ROLES = ("author", "interviewer", "translator", "photographer")


def _slug(name: str, taken: set[str]) -> str:
    """The slug cms.slugs would give, made unique among those given here."""
    from cms.slugs import make_slug

    base = make_slug(unicodedata.normalize("NFC", name), "contributor")
    slug, number = base, 1
    while slug in taken:
        number += 1
        slug = f"{base}-{number}"
    taken.add(slug)
    return slug


def _credit_writers():
    bind = op.get_bind()
    users = sa.table("users", sa.column("id"), sa.column("display_name"))
    pieces = sa.table("pieces", sa.column("id"), sa.column("author_id"))
    revisions = sa.table("revisions", sa.column("piece_id"), sa.column("credits"))
    contributors = sa.table("contributors", sa.column("id"), sa.column("name"), sa.column("slug"),
                            sa.column("bio"), sa.column("link"), sa.column("created_at"))
    credits = sa.table("piece_credits", sa.column("piece_id"), sa.column("position"),
                       sa.column("contributor_id"), sa.column("role"))
    names = {row.id: re.sub(r"\s+", " ", row.display_name).strip() or "Staff"
             for row in bind.execute(sa.select(users))}
    ids: dict[str, int] = {}
    taken: set[str] = set()
    for piece in bind.execute(sa.select(pieces)).all():
        name = names.get(piece.author_id, "Staff")
        if name not in ids:
            ids[name] = bind.execute(contributors.insert().values(
                name=name, slug=_slug(name, taken), bio="", link="",
                created_at=sa.func.now()).returning(contributors.c.id)).scalar_one()
        bind.execute(credits.insert().values(piece_id=piece.id, position=0,
                                             contributor_id=ids[name], role="author"))
        bind.execute(revisions.update().where(revisions.c.piece_id == piece.id).values(credits=name))


def upgrade():
    op.create_table(
        "contributors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("slug", sa.String(length=220), nullable=False),
        sa.Column("bio", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contributors")),
        sa.UniqueConstraint("slug", name=op.f("uq_contributors_slug")),
    )
    op.create_table(
        "piece_credits",
        sa.Column("piece_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("contributor_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.Enum(*ROLES, name="role", native_enum=False, create_constraint=True,
                                  length=20), nullable=False),
        sa.ForeignKeyConstraint(["contributor_id"], ["contributors.id"],
                                name=op.f("fk_piece_credits_contributor_id_contributors"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["piece_id"], ["pieces.id"], name=op.f("fk_piece_credits_piece_id_pieces"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("piece_id", "position", name=op.f("pk_piece_credits")),
    )
    with op.batch_alter_table("piece_credits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_piece_credits_contributor_id"), ["contributor_id"], unique=False)
    with op.batch_alter_table("revisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("credits", sa.Text(), nullable=False, server_default=""))
    _credit_writers()


def downgrade():
    with op.batch_alter_table("revisions", schema=None) as batch_op:
        batch_op.drop_column("credits")
    with op.batch_alter_table("piece_credits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_piece_credits_contributor_id"))
    op.drop_table("piece_credits")
    op.drop_table("contributors")
