"""Help center: an article's ``questions:`` (other ways customers ask it).

Revision ID: kb_0002
Revises: kb_0001
"""
from alembic import op
import sqlalchemy as sa

revision = "kb_0002"
down_revision = "kb_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("kb_articles") as batch:
        batch.add_column(sa.Column("questions", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("kb_articles") as batch:
        batch.drop_column("questions")
