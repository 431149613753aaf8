"""search_documents.original_id: a translation's original, so that a story is one result

Revision ID: 0020
Revises: 0018
Create Date: 2026-12-08 02:40:00

Run `flask --app cms search reindex` once after upgrading (the column is filled from the
pieces here too, so results are right before that).
"""
import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("search_documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("original_id", sa.Integer(), nullable=True))
    op.execute("UPDATE search_documents SET original_id = (SELECT original_id FROM pieces "
               "WHERE pieces.id = search_documents.piece_id)")


def downgrade():
    with op.batch_alter_table("search_documents", schema=None) as batch_op:
        batch_op.drop_column("original_id")
