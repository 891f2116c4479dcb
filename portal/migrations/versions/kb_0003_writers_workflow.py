"""Help center writers: drafts beside the live article, scheduled publishing,
internal visibility, outdated translations and slug redirects.

Revision ID: kb_0003
Revises: kb_0002
"""
from alembic import op
import sqlalchemy as sa
import portal.db

revision = "kb_0003"
down_revision = "kb_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("kb_articles") as batch:
        batch.add_column(sa.Column("visibility", sa.String(length=16), nullable=False, server_default="public"))
        batch.add_column(sa.Column("draft_revision_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("publish_at", portal.db.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("outdated_since", portal.db.UTCDateTime(), nullable=True))
        batch.create_index(batch.f("ix_kb_articles_publish_at"), ["publish_at"], unique=False)
    op.create_table(
        "kb_redirects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("old_slug", sa.String(length=200), nullable=False),
        sa.Column("new_slug", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=True),
        sa.Column("created_at", portal.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_redirects")),
        sa.UniqueConstraint("locale", "old_slug", name=op.f("uq_kb_redirects_locale")),
    )
    op.create_index(op.f("ix_kb_redirects_new_slug"), "kb_redirects", ["new_slug"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_kb_redirects_new_slug"), table_name="kb_redirects")
    op.drop_table("kb_redirects")
    with op.batch_alter_table("kb_articles") as batch:
        batch.drop_index(batch.f("ix_kb_articles_publish_at"))
        for column in ("outdated_since", "publish_at", "draft_revision_id", "visibility"):
            batch.drop_column(column)
