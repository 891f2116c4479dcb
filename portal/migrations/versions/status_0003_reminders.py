"""Status: reminders (operators and maintenance subscribers), sent once each.

Revision ID: status_0003
Revises: status_0002
"""
from alembic import op
import sqlalchemy as sa
import portal.db

revision = "status_0003"
down_revision = "status_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("status_incidents") as batch:
        batch.add_column(sa.Column("remind_subscribers", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch.add_column(sa.Column("remind_hours", sa.Integer(), nullable=True))
    op.create_table(
        "status_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("component_id", sa.Integer(), nullable=True),
        sa.Column("created_at", portal.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["status_incidents.id"], ondelete="CASCADE",
                                name=op.f("fk_status_reminders_incident_id_status_incidents")),
        sa.ForeignKeyConstraint(["component_id"], ["status_components.id"], ondelete="CASCADE",
                                name=op.f("fk_status_reminders_component_id_status_components")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_reminders")),
        sa.UniqueConstraint("key", name=op.f("uq_status_reminders_key")),
    )


def downgrade() -> None:
    op.drop_table("status_reminders")
    with op.batch_alter_table("status_incidents") as batch:
        batch.drop_column("remind_hours")
        batch.drop_column("remind_subscribers")
