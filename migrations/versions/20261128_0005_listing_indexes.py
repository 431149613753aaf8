"""indexes for lists of public pieces: by status and date, by campaign, by tag

Revision ID: 0005
Revises: 0004s
Create Date: 2026-11-28 20:45:00

"""
from alembic import op

revision = "0005"
down_revision = "0004s"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("pieces", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pieces_status"))
        batch_op.create_index("ix_pieces_public", ["status", "published_at", "id"], unique=False)
        batch_op.create_index("ix_pieces_campaign_public", ["campaign_id", "status", "published_at"],
                              unique=False)
    with op.batch_alter_table("piece_tags", schema=None) as batch_op:
        batch_op.create_index("ix_piece_tags_tag_id", ["tag_id", "piece_id"], unique=False)


def downgrade():
    with op.batch_alter_table("piece_tags", schema=None) as batch_op:
        batch_op.drop_index("ix_piece_tags_tag_id")
    with op.batch_alter_table("pieces", schema=None) as batch_op:
        batch_op.drop_index("ix_pieces_campaign_public")
        batch_op.drop_index("ix_pieces_public")
        batch_op.create_index(batch_op.f("ix_pieces_status"), ["status"], unique=False)
