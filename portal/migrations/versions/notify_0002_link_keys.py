"""Notify: a random, never reused link key per subscriber (signed links name it).

Existing subscribers get a fresh random key. Links they received before keep
working only while they are bound to the same row (see
``portal.status.subscribers._issued_to``, formerly ``portal.notify``).

Revision ID: notify_0002
Revises: notify_0001
"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = "notify_0002"
down_revision = "notify_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notify_subscribers") as batch:
        batch.add_column(sa.Column("link_key", sa.String(length=64), nullable=True))
    subscribers = sa.table("notify_subscribers", sa.column("id", sa.Integer), sa.column("link_key", sa.String))
    bind = op.get_bind()
    for (subscriber_id,) in bind.execute(sa.select(subscribers.c.id)).all():
        bind.execute(subscribers.update().where(subscribers.c.id == subscriber_id)
                     .values(link_key=secrets.token_urlsafe(24)))
    with op.batch_alter_table("notify_subscribers") as batch:
        batch.alter_column("link_key", existing_type=sa.String(length=64), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("notify_subscribers") as batch:
        batch.drop_column("link_key")
