"""revisions: every save of a piece kept whole; the piece row holds the one readers see

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 23:50:00

Each existing piece gets its first revision from what it holds now. The audit log learns
"publish changes".
"""
import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

OLD_ACTIONS = ("publish", "unpublish", "trash", "restore", "purge", "campaign create", "campaign edit",
               "user create", "user role", "user disable", "user enable", "blocked words")
NEW_ACTIONS = (*OLD_ACTIONS, "publish changes")


def _set_actions(actions):
    check = "action IN ({})".format(", ".join(f"'{action}'" for action in actions))
    with op.batch_alter_table("audit_events", schema=None, recreate="always") as batch_op:
        batch_op.drop_constraint(op.f("ck_audit_events_action"), type_="check")
        batch_op.create_check_constraint(op.f("ck_audit_events_action"), sa.text(check))


def _first_revisions():
    """Revision 1 of every piece, from the row as it is."""
    bind = op.get_bind()
    pieces = sa.table("pieces", *(sa.column(name) for name in (
        "id", "author_id", "updated_at", "title", "slug", "standfirst", "body_source", "language",
        "campaign_id", "image_id", "revision_number")))
    images = sa.table("images", *(sa.column(name) for name in (
        "id", "alt_text", "caption", "credit", "licence_name", "licence_url", "source_url")))
    tags = sa.table("tags", sa.column("id"), sa.column("kind"), sa.column("name"))
    links = sa.table("piece_tags", sa.column("piece_id"), sa.column("tag_id"))
    revisions = sa.table("revisions", *(sa.column(name) for name in (
        "piece_id", "number", "created_at", "author_id", "note", "title", "slug", "standfirst",
        "body_source", "language", "campaign_id", "topics", "countries", "image_id", "image_alt",
        "image_caption", "image_credit", "image_licence_name", "image_licence_url",
        "image_source_url")))
    names: dict[tuple[int, str], list[str]] = {}
    for piece_id, kind, name in bind.execute(
            sa.select(links.c.piece_id, tags.c.kind, tags.c.name)
            .join(tags, tags.c.id == links.c.tag_id).order_by(tags.c.name)):
        names.setdefault((piece_id, kind), []).append(name)
    details = {row.id: row for row in bind.execute(sa.select(images))}
    for row in bind.execute(sa.select(pieces)).all():
        image = details.get(row.image_id)
        bind.execute(revisions.insert().values(
            piece_id=row.id, number=1, created_at=row.updated_at, author_id=row.author_id,
            note="As it was when revisions began to be kept", title=row.title, slug=row.slug,
            standfirst=row.standfirst, body_source=row.body_source, language=row.language,
            campaign_id=row.campaign_id, topics=", ".join(names.get((row.id, "topic"), [])),
            countries=", ".join(names.get((row.id, "country"), [])), image_id=row.image_id,
            image_alt=image.alt_text if image else "", image_caption=image.caption if image else "",
            image_credit=image.credit if image else "",
            image_licence_name=image.licence_name if image else "",
            image_licence_url=image.licence_url if image else "",
            image_source_url=image.source_url if image else ""))
    bind.execute(pieces.update().values(revision_number=1))


def upgrade():
    op.create_table(
        "revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("piece_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("slug", sa.String(length=200), nullable=False),
        sa.Column("standfirst", sa.Text(), nullable=False),
        sa.Column("body_source", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("topics", sa.Text(), nullable=False),
        sa.Column("countries", sa.Text(), nullable=False),
        sa.Column("image_id", sa.Integer(), nullable=True),
        sa.Column("image_alt", sa.String(length=500), nullable=False),
        sa.Column("image_caption", sa.String(length=500), nullable=False),
        sa.Column("image_credit", sa.String(length=200), nullable=False),
        sa.Column("image_licence_name", sa.String(length=100), nullable=False),
        sa.Column("image_licence_url", sa.String(length=500), nullable=False),
        sa.Column("image_source_url", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(["piece_id"], ["pieces.id"], name=op.f("fk_revisions_piece_id_pieces"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_revisions_author_id_users"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"],
                                name=op.f("fk_revisions_campaign_id_campaigns"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["image_id"], ["images.id"], name=op.f("fk_revisions_image_id_images"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revisions")),
        sa.UniqueConstraint("piece_id", "number", name=op.f("uq_revisions_piece_id")),
    )
    with op.batch_alter_table("revisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_revisions_piece_id"), ["piece_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_revisions_image_id"), ["image_id"], unique=False)
    with op.batch_alter_table("pieces", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revision_number", sa.Integer(), nullable=False,
                                      server_default="0"))
    _first_revisions()
    _set_actions(NEW_ACTIONS)


def downgrade():
    op.execute("DELETE FROM audit_events WHERE action = 'publish changes'")
    _set_actions(OLD_ACTIONS)
    with op.batch_alter_table("pieces", schema=None) as batch_op:
        batch_op.drop_column("revision_number")
    with op.batch_alter_table("revisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_revisions_image_id"))
        batch_op.drop_index(batch_op.f("ix_revisions_piece_id"))
    op.drop_table("revisions")
