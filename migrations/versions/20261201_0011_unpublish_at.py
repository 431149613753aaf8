"""unpublish_at: a piece may have an end date after which readers no longer see it

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 04:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("pieces", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unpublish_at", sa.DateTime(), nullable=True))
        # The page cache asks for the next end date on every store.
        batch_op.create_index(batch_op.f("ix_pieces_unpublish_at"), ["unpublish_at"], unique=False)


def downgrade():
    with op.batch_alter_table("pieces", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pieces_unpublish_at"))
        batch_op.drop_column("unpublish_at")
