"""search backlog: pieces whose index update failed

Revision ID: 0004s
Revises: 0003
Create Date: 2026-11-28 22:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0004s'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('search_backlog',
    sa.Column('piece_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('since', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('piece_id', name=op.f('pk_search_backlog'))
    )


def downgrade():
    op.drop_table('search_backlog')
