"""comments that welcome readers: why a comment was held, the commenter's keyed e-mail hash,
the reader's withdraw key (hashed), withdrawal time; moderation events with a reason and the
text before a moderator's edit

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 02:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("held_reason", sa.String(length=120), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("email_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("withdraw_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("withdrawn_at", sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f("ix_comments_email_hash"), ["email_hash"], unique=False)
        batch_op.create_index(batch_op.f("ix_comments_withdraw_hash"), ["withdraw_hash"], unique=True)
    with op.batch_alter_table("moderation_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason", sa.String(length=200), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("previous_body", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("moderation_events", schema=None) as batch_op:
        batch_op.drop_column("previous_body")
        batch_op.drop_column("reason")
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comments_withdraw_hash"))
        batch_op.drop_index(batch_op.f("ix_comments_email_hash"))
        batch_op.drop_column("withdrawn_at")
        batch_op.drop_column("withdraw_hash")
        batch_op.drop_column("email_hash")
        batch_op.drop_column("held_reason")
