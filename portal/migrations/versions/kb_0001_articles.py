"""Help center: categories, articles, revisions, feedback and daily views.

Revision ID: kb_0001
Revises: 0001_base
"""
from alembic import op
import sqlalchemy as sa
import portal.db

revision = "kb_0001"
down_revision = "0001_base"
branch_labels = ("kb",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kb_categories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("icon", sa.String(length=40), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("source_path", sa.String(length=500), nullable=True),
        sa.Column("source_hash", sa.String(length=64), nullable=True),
        sa.Column("updated_at", portal.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_categories")),
        sa.UniqueConstraint("slug", "locale", name=op.f("uq_kb_categories_slug")),
    )
    op.create_index(op.f("ix_kb_categories_slug"), "kb_categories", ["slug"], unique=False)

    op.create_table(
        "kb_articles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=200), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("category_slug", sa.String(length=120), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("body_md", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("headings", sa.JSON(), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("source_path", sa.String(length=500), nullable=True),
        sa.Column("source_hash", sa.String(length=64), nullable=True),
        sa.Column("created_at", portal.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", portal.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_articles")),
        sa.UniqueConstraint("slug", "locale", name=op.f("uq_kb_articles_slug")),
    )
    op.create_index(op.f("ix_kb_articles_slug"), "kb_articles", ["slug"], unique=False)
    op.create_index(op.f("ix_kb_articles_locale"), "kb_articles", ["locale"], unique=False)
    op.create_index(op.f("ix_kb_articles_category_slug"), "kb_articles", ["category_slug"], unique=False)

    op.create_table(
        "kb_article_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body_md", sa.Text(), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=True),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.Column("created_at", portal.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["kb_articles.id"], ondelete="CASCADE",
                                name=op.f("fk_kb_article_revisions_article_id_kb_articles")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_article_revisions")),
    )
    op.create_index(op.f("ix_kb_article_revisions_article_id"), "kb_article_revisions", ["article_id"], unique=False)

    op.create_table(
        "kb_article_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("created_at", portal.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["kb_articles.id"], ondelete="CASCADE",
                                name=op.f("fk_kb_article_feedback_article_id_kb_articles")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_article_feedback")),
    )
    op.create_index(op.f("ix_kb_article_feedback_article_id"), "kb_article_feedback", ["article_id"], unique=False)

    op.create_table(
        "kb_article_views",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["kb_articles.id"], ondelete="CASCADE",
                                name=op.f("fk_kb_article_views_article_id_kb_articles")),
        sa.PrimaryKeyConstraint("article_id", "day", name=op.f("pk_kb_article_views")),
    )


def downgrade() -> None:
    op.drop_table("kb_article_views")
    op.drop_index(op.f("ix_kb_article_feedback_article_id"), table_name="kb_article_feedback")
    op.drop_table("kb_article_feedback")
    op.drop_index(op.f("ix_kb_article_revisions_article_id"), table_name="kb_article_revisions")
    op.drop_table("kb_article_revisions")
    op.drop_index(op.f("ix_kb_articles_category_slug"), table_name="kb_articles")
    op.drop_index(op.f("ix_kb_articles_locale"), table_name="kb_articles")
    op.drop_index(op.f("ix_kb_articles_slug"), table_name="kb_articles")
    op.drop_table("kb_articles")
    op.drop_index(op.f("ix_kb_categories_slug"), table_name="kb_categories")
    op.drop_table("kb_categories")
