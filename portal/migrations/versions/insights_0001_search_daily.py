"""Insights: searches and result clicks per day, language and query.

Revision ID: insights_0001
Revises: 0001_base
"""
from alembic import op
import sqlalchemy as sa

revision = "insights_0001"
down_revision = "0001_base"
branch_labels = ("insights",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "insights_search_daily",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("query", sa.String(length=200), nullable=False),
        sa.Column("searches", sa.Integer(), nullable=False),
        sa.Column("results", sa.Integer(), nullable=False),
        sa.Column("clicks", sa.Integer(), nullable=False),
        sa.Column("suggest_clicks", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insights_search_daily")),
        sa.UniqueConstraint("day", "locale", "query", name=op.f("uq_insights_search_daily_day")),
    )
    op.create_index(op.f("ix_insights_search_daily_day"), "insights_search_daily", ["day"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_insights_search_daily_day"), table_name="insights_search_daily")
    op.drop_table("insights_search_daily")
