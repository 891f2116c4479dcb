"""Help center: "Did this help?" on three points, with an inbox state.

``helpful`` (yes/no) becomes ``rating``: yes -> great, no -> poor ("not
really"); existing answers and comments are kept. ``done_at``/``done_by``
record when a writer handled a comment in the feedback inbox.

Revision ID: kb_0004
Revises: kb_0003
"""
from alembic import op
import sqlalchemy as sa
import portal.db

revision = "kb_0004"
down_revision = "kb_0003"
branch_labels = None
depends_on = None

feedback = sa.table("kb_article_feedback", sa.column("helpful", sa.Boolean()), sa.column("rating", sa.String(16)))


def upgrade() -> None:
    with op.batch_alter_table("kb_article_feedback") as batch:
        batch.add_column(sa.Column("rating", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("done_at", portal.db.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("done_by", sa.String(length=200), nullable=True))
    op.execute(feedback.update().values(
        rating=sa.case((feedback.c.helpful == sa.true(), "great"), else_="poor")))
    with op.batch_alter_table("kb_article_feedback") as batch:
        batch.alter_column("rating", existing_type=sa.String(length=16), nullable=False)
        batch.drop_column("helpful")
        batch.create_index(batch.f("ix_kb_article_feedback_created_at"), ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("kb_article_feedback") as batch:
        batch.add_column(sa.Column("helpful", sa.Boolean(), nullable=True))
    # "okay" was not a "no": it counts as helpful
    op.execute(feedback.update().values(helpful=feedback.c.rating != "poor"))
    with op.batch_alter_table("kb_article_feedback") as batch:
        batch.alter_column("helpful", existing_type=sa.Boolean(), nullable=False)
        batch.drop_index(batch.f("ix_kb_article_feedback_created_at"))
        batch.drop_column("rating")
        batch.drop_column("done_by")
        batch.drop_column("done_at")
