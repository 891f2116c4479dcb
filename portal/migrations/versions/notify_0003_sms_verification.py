"""Channels: SMS subscribers' verification code (hashed, expiring, limited attempts).

Slack, Teams and SMS subscribers live in ``notify_subscribers`` like e-mail
and webhook ones (``channel`` tells them apart); a stopped SMS subscriber has
state ``stopped``. Only the code needs columns.

Revision ID: notify_0003
Revises: notify_0002
"""
import sqlalchemy as sa
from alembic import op

from portal.db import UTCDateTime

revision = "notify_0003"
down_revision = "notify_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notify_subscribers") as batch:
        batch.add_column(sa.Column("verify_hash", sa.String(length=128), nullable=True))
        batch.add_column(sa.Column("verify_expires_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("verify_attempts", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("notify_subscribers") as batch:
        batch.drop_column("verify_attempts")
        batch.drop_column("verify_expires_at")
        batch.drop_column("verify_hash")
