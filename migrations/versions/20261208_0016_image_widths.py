"""image widths: the smaller copies stored beside each lead image

Revision ID: 0016
Revises: 0014
Create Date: 2026-12-07 12:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    # Existing images have none until `flask --app cms images rebuild` makes them.
    with op.batch_alter_table("images", schema=None) as batch_op:
        batch_op.add_column(sa.Column("widths", sa.String(length=100), server_default="", nullable=False))


def downgrade():
    with op.batch_alter_table("images", schema=None) as batch_op:
        batch_op.drop_column("widths")
