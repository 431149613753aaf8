"""trash: a deleted piece is kept, with when and by whom, until it is purged

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 03:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("pieces", schema=None) as batch_op:
        batch_op.add_column(sa.Column("trashed_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("trashed_by_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_pieces_trashed_at"), ["trashed_at"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_pieces_trashed_by_id_users"), "users",
                                    ["trashed_by_id"], ["id"], ondelete="SET NULL")


def downgrade():
    with op.batch_alter_table("pieces", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_pieces_trashed_by_id_users"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_pieces_trashed_at"))
        batch_op.drop_column("trashed_by_id")
        batch_op.drop_column("trashed_at")
