"""translations: a piece may translate an original, following one of its revisions

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-08 01:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("pieces", schema=None) as batch_op:
        batch_op.add_column(sa.Column("original_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("source_revision", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_pieces_original_id"), ["original_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_pieces_original_id_pieces"), "pieces",
                                    ["original_id"], ["id"], ondelete="SET NULL")
        batch_op.create_unique_constraint("uq_pieces_original_id_language", ["original_id", "language"])
    with op.batch_alter_table("revisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_revision", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("revisions", schema=None) as batch_op:
        batch_op.drop_column("source_revision")
    with op.batch_alter_table("pieces", schema=None) as batch_op:
        batch_op.drop_constraint("uq_pieces_original_id_language", type_="unique")
        batch_op.drop_constraint(batch_op.f("fk_pieces_original_id_pieces"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_pieces_original_id"))
        batch_op.drop_column("source_revision")
        batch_op.drop_column("original_id")
