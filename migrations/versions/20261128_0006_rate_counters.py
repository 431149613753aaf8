"""rate counters shared by every worker when there is no Redis

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 21:55:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "rate_counters",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("bucket", sa.BigInteger(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", "bucket", name=op.f("pk_rate_counters")),
    )


def downgrade():
    op.drop_table("rate_counters")
