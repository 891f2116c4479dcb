"""Search: the change log every server's index follows, and each server's position in it.

Revision ID: search_0003
Revises: search_0002
"""
from alembic import op
import sqlalchemy as sa
import portal.db

revision = "search_0003"
down_revision = "search_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_changes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("op", sa.String(length=8), nullable=False),
        sa.Column("at", portal.db.UTCDateTime(), nullable=False),
        sa.Column("origin", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_changes")),
        sqlite_autoincrement=True,  # never reuse an id, even after a prune emptied the table
    )
    op.create_index(op.f("ix_search_changes_at"), "search_changes", ["at"], unique=False)
    op.create_table(
        "search_index_positions",
        sa.Column("server_id", sa.String(length=200), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("updated_at", portal.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("server_id", name=op.f("pk_search_index_positions")),
    )


def downgrade() -> None:
    op.drop_table("search_index_positions")
    op.drop_index(op.f("ix_search_changes_at"), table_name="search_changes")
    op.drop_table("search_changes")
