"""Search: queries that found nothing, aggregated per language.

Revision ID: search_0001
Revises: 0001_base
"""
from alembic import op
import sqlalchemy as sa
import portal.db

revision = "search_0001"
down_revision = "0001_base"
branch_labels = ("search",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_no_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("query", sa.String(length=200), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("first_seen", portal.db.UTCDateTime(), nullable=False),
        sa.Column("last_seen", portal.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_no_results")),
        sa.UniqueConstraint("query", "locale", name=op.f("uq_search_no_results_query")),
    )
    op.create_index(op.f("ix_search_no_results_last_seen"), "search_no_results", ["last_seen"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_search_no_results_last_seen"), table_name="search_no_results")
    op.drop_table("search_no_results")
