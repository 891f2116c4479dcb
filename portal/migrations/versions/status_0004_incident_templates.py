"""Status: incident templates; maintenance may mute incident notifications.

Revision ID: status_0004
Revises: status_0003
"""
from alembic import op
import sqlalchemy as sa
import portal.db

revision = "status_0004"
down_revision = "status_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "status_incident_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("impact", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("component_statuses", sa.JSON(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("name_translations", sa.JSON(), nullable=False),
        sa.Column("body_translations", sa.JSON(), nullable=False),
        sa.Column("created_at", portal.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", portal.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_incident_templates")),
        sa.UniqueConstraint("label", name=op.f("uq_status_incident_templates_label")),
    )
    with op.batch_alter_table("status_incidents") as batch:
        batch.add_column(sa.Column("mute_notifications", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("status_incidents") as batch:
        batch.drop_column("mute_notifications")
    op.drop_table("status_incident_templates")
