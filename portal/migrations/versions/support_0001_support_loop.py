"""support: ticket lifecycle events, ratings, ideas and mail threads

Revision ID: support_0001
Revises: 0001_base
"""
from alembic import op
import sqlalchemy as sa
import portal.db

revision = "support_0001"
down_revision = "0001_base"
branch_labels = ("support",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "support_ticket_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("occurred_at", portal.db.UTCDateTime(), nullable=False),
        sa.Column("agent", sa.String(length=120), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=True),
        sa.Column("dedupe_key", sa.String(length=300), nullable=False),
        sa.Column("created_at", portal.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_ticket_events")),
        sa.UniqueConstraint("reference", "dedupe_key", name=op.f("uq_support_ticket_events_reference")),
    )
    op.create_index(op.f("ix_support_ticket_events_reference"), "support_ticket_events", ["reference"])
    op.create_table(
        "support_ticket_lifecycles",
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("first_answered_at", portal.db.UTCDateTime(), nullable=True),
        sa.Column("first_agent", sa.String(length=120), nullable=True),
        sa.Column("solved_at", portal.db.UTCDateTime(), nullable=True),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("updated_at", portal.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("reference", name=op.f("pk_support_ticket_lifecycles")),
    )
    op.create_index(op.f("ix_support_ticket_lifecycles_state"), "support_ticket_lifecycles", ["state"])
    op.create_table(
        "support_ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("link_key", sa.String(length=64), nullable=False),
        sa.Column("form_slug", sa.String(length=40), nullable=False),
        sa.Column("agent", sa.String(length=120), nullable=True),
        sa.Column("requested_at", portal.db.UTCDateTime(), nullable=False),
        sa.Column("score", sa.String(length=8), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("rated_at", portal.db.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_ratings")),
        sa.UniqueConstraint("link_key", name=op.f("uq_support_ratings_link_key")),
        sa.UniqueConstraint("reference", "round", name=op.f("uq_support_ratings_reference")),
    )
    op.create_index(op.f("ix_support_ratings_reference"), "support_ratings", ["reference"])
    op.create_index(op.f("ix_support_ratings_requested_at"), "support_ratings", ["requested_at"])
    op.create_table(
        "support_ideas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("release_url", sa.String(length=500), nullable=True),
        sa.Column("shipped_at", portal.db.UTCDateTime(), nullable=True),
        sa.Column("created_at", portal.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", portal.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["merged_into_id"], ["support_ideas.id"], ondelete="SET NULL",
                                name=op.f("fk_support_ideas_merged_into_id_support_ideas")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_ideas")),
    )
    op.create_index(op.f("ix_support_ideas_status"), "support_ideas", ["status"])
    op.create_table(
        "support_idea_requesters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("notified_at", portal.db.UTCDateTime(), nullable=True),
        sa.Column("created_at", portal.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["idea_id"], ["support_ideas.id"], ondelete="CASCADE",
                                name=op.f("fk_support_idea_requesters_idea_id_support_ideas")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_idea_requesters")),
        sa.UniqueConstraint("idea_id", "reference", name=op.f("uq_support_idea_requesters_idea_id")),
    )
    op.create_index(op.f("ix_support_idea_requesters_idea_id"), "support_idea_requesters", ["idea_id"])
    op.create_index("ix_support_idea_requesters_reference", "support_idea_requesters", ["reference"])
    op.create_table(
        "support_mail_threads",
        sa.Column("message_id", sa.String(length=255), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_support_mail_threads")),
    )
    op.create_index(op.f("ix_support_mail_threads_reference"), "support_mail_threads", ["reference"])


def downgrade() -> None:
    op.drop_table("support_mail_threads")
    op.drop_table("support_idea_requesters")
    op.drop_table("support_ideas")
    op.drop_table("support_ratings")
    op.drop_table("support_ticket_lifecycles")
    op.drop_table("support_ticket_events")
