"""notify: the outbox (messages), broadcasts, subscribers and their components

Revision ID: notify_0001
Revises: 0001_base
"""
from alembic import op
import sqlalchemy as sa
import portal.db

revision = "notify_0001"
down_revision = "0001_base"
branch_labels = ("notify",)
depends_on = ("status_0001",)


def upgrade() -> None:
    op.create_table(
        "notify_broadcasts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("component_ids", sa.JSON(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("cursor", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(length=100), nullable=True),
        sa.Column("claimed_until", portal.db.UTCDateTime(), nullable=True),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("created_at", portal.db.UTCDateTime(), nullable=False),
        sa.Column("expanded_at", portal.db.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notify_broadcasts")),
    )
    op.create_index(op.f("ix_notify_broadcasts_incident_id"), "notify_broadcasts", ["incident_id"])
    op.create_index(op.f("ix_notify_broadcasts_state"), "notify_broadcasts", ["state"])

    op.create_table(
        "notify_subscribers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("address", sa.String(length=2000), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("all_components", sa.Boolean(), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=True),
        sa.Column("token_version", sa.Integer(), nullable=False),
        sa.Column("created_at", portal.db.UTCDateTime(), nullable=False),
        sa.Column("confirmed_at", portal.db.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notify_subscribers")),
        sa.UniqueConstraint("channel", "address", name=op.f("uq_notify_subscribers_channel")),
    )
    op.create_index(op.f("ix_notify_subscribers_state"), "notify_subscribers", ["state"])

    op.create_table(
        "notify_subscriptions",
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("component_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["subscriber_id"], ["notify_subscribers.id"],
                                name=op.f("fk_notify_subscriptions_subscriber_id_notify_subscribers"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["component_id"], ["status_components.id"],
                                name=op.f("fk_notify_subscriptions_component_id_status_components"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("subscriber_id", "component_id", name=op.f("pk_notify_subscriptions")),
    )
    op.create_index(op.f("ix_notify_subscriptions_component_id"), "notify_subscriptions", ["component_id"])

    op.create_table(
        "notify_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("recipient", sa.String(length=2000), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", portal.db.UTCDateTime(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("claimed_by", sa.String(length=100), nullable=True),
        sa.Column("claimed_until", portal.db.UTCDateTime(), nullable=True),
        sa.Column("sent_at", portal.db.UTCDateTime(), nullable=True),
        sa.Column("broadcast_id", sa.Integer(), nullable=True),
        sa.Column("subscriber_id", sa.Integer(), nullable=True),
        sa.Column("created_at", portal.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["broadcast_id"], ["notify_broadcasts.id"],
                                name=op.f("fk_notify_messages_broadcast_id_notify_broadcasts"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["subscriber_id"], ["notify_subscribers.id"],
                                name=op.f("fk_notify_messages_subscriber_id_notify_subscribers"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notify_messages")),
        sa.UniqueConstraint("key", name=op.f("uq_notify_messages_key")),
    )
    op.create_index("ix_notify_messages_due", "notify_messages", ["state", "next_attempt_at"])
    op.create_index(op.f("ix_notify_messages_purpose"), "notify_messages", ["purpose"])
    op.create_index(op.f("ix_notify_messages_broadcast_id"), "notify_messages", ["broadcast_id"])
    op.create_index(op.f("ix_notify_messages_subscriber_id"), "notify_messages", ["subscriber_id"])


def downgrade() -> None:
    op.drop_table("notify_messages")
    op.drop_table("notify_subscriptions")
    op.drop_table("notify_subscribers")
    op.drop_table("notify_broadcasts")
