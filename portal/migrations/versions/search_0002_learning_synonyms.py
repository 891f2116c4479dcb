"""Search: what customers taught it (learned signals, pending deflections),
synonym groups writers manage, and the setting versions processes compare.

Revision ID: search_0002
Revises: search_0001
"""
from alembic import op
import sqlalchemy as sa
import portal.db

revision = "search_0002"
down_revision = "search_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_learned_signals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("term", sa.String(length=64), nullable=False),
        sa.Column("article_slug", sa.String(length=200), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("updated_at", portal.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_learned_signals")),
        sa.UniqueConstraint("locale", "term", "article_slug", name=op.f("uq_search_learned_signals_locale")),
    )
    op.create_table(
        "search_pending_deflections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.String(length=64), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("article_slug", sa.String(length=200), nullable=False),
        sa.Column("terms", sa.Text(), nullable=False),
        sa.Column("created_at", portal.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_pending_deflections")),
    )
    op.create_index(op.f("ix_search_pending_deflections_attempt_id"), "search_pending_deflections",
                    ["attempt_id"], unique=False)
    op.create_index(op.f("ix_search_pending_deflections_created_at"), "search_pending_deflections",
                    ["created_at"], unique=False)
    op.create_table(
        "search_synonym_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("terms", sa.Text(), nullable=False),
        sa.Column("created_at", portal.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", portal.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_synonym_groups")),
    )
    op.create_index(op.f("ix_search_synonym_groups_locale"), "search_synonym_groups", ["locale"], unique=False)
    op.create_table(
        "search_setting_versions",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_search_setting_versions")),
    )


def downgrade() -> None:
    op.drop_table("search_setting_versions")
    op.drop_index(op.f("ix_search_synonym_groups_locale"), table_name="search_synonym_groups")
    op.drop_table("search_synonym_groups")
    op.drop_index(op.f("ix_search_pending_deflections_created_at"), table_name="search_pending_deflections")
    op.drop_index(op.f("ix_search_pending_deflections_attempt_id"), table_name="search_pending_deflections")
    op.drop_table("search_pending_deflections")
    op.drop_table("search_learned_signals")
