"""Page cache: one version counter per content scope (``kb:en``, ``status``, ...).

Revision ID: cache_0001
Revises: 0001_base
"""
from alembic import op
import sqlalchemy as sa
import portal.db

revision = "cache_0001"
down_revision = "0001_base"
branch_labels = ("cache",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cache_content_versions",
        sa.Column("scope", sa.String(length=80), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("changed_at", portal.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("scope", name=op.f("pk_cache_content_versions")),
    )


def downgrade() -> None:
    op.drop_table("cache_content_versions")
