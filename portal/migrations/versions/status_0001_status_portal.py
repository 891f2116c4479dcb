"""Status portal: components, groups, incidents, updates, status history.

Revision ID: status_0001
Revises: 0001_base
"""
from alembic import op
import sqlalchemy as sa
import portal.db

revision = "status_0001"
down_revision = "0001_base"
branch_labels = ("status",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "status_component_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", portal.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", portal.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_component_groups")),
        sa.UniqueConstraint("name", name=op.f("uq_status_component_groups_name")),
        sa.UniqueConstraint("public_id", name=op.f("uq_status_component_groups_public_id")),
    )
    op.create_table(
        "status_components",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("showcase", sa.Boolean(), nullable=False),
        sa.Column("only_show_if_degraded", sa.Boolean(), nullable=False),
        sa.Column("created_at", portal.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", portal.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["status_component_groups.id"], ondelete="SET NULL",
                                name=op.f("fk_status_components_group_id_status_component_groups")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_components")),
        sa.UniqueConstraint("code", name=op.f("uq_status_components_code")),
        sa.UniqueConstraint("public_id", name=op.f("uq_status_components_public_id")),
    )
    op.create_index(op.f("ix_status_components_group_id"), "status_components", ["group_id"])
    op.create_table(
        "status_component_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("component_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("started_at", portal.db.UTCDateTime(), nullable=False),
        sa.Column("ended_at", portal.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["component_id"], ["status_components.id"], ondelete="CASCADE",
                                name=op.f("fk_status_component_history_component_id_status_components")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_component_history")),
    )
    op.create_index(op.f("ix_status_component_history_component_id"), "status_component_history", ["component_id"])
    op.create_index(op.f("ix_status_component_history_started_at"), "status_component_history", ["started_at"])
    op.create_table(
        "status_incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("impact", sa.String(length=32), nullable=False),
        sa.Column("is_maintenance", sa.Boolean(), nullable=False),
        sa.Column("scheduled_for", portal.db.UTCDateTime(), nullable=True),
        sa.Column("scheduled_until", portal.db.UTCDateTime(), nullable=True),
        sa.Column("auto_start", sa.Boolean(), nullable=False),
        sa.Column("auto_complete", sa.Boolean(), nullable=False),
        sa.Column("component_statuses", sa.JSON(), nullable=False),
        sa.Column("created_at", portal.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", portal.db.UTCDateTime(), nullable=False),
        sa.Column("started_at", portal.db.UTCDateTime(), nullable=True),
        sa.Column("monitoring_at", portal.db.UTCDateTime(), nullable=True),
        sa.Column("resolved_at", portal.db.UTCDateTime(), nullable=True),
        sa.Column("postmortem_body", sa.Text(), nullable=True),
        sa.Column("postmortem_html", sa.Text(), nullable=True),
        sa.Column("postmortem_published_at", portal.db.UTCDateTime(), nullable=True),
        sa.Column("monitoring_key", sa.String(length=200), nullable=True),
        sa.Column("source_key", sa.String(length=200), nullable=True),
        sa.Column("source_hash", sa.String(length=64), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_incidents")),
        sa.UniqueConstraint("public_id", name=op.f("uq_status_incidents_public_id")),
        sa.UniqueConstraint("source_key", name=op.f("uq_status_incidents_source_key")),
    )
    op.create_index(op.f("ix_status_incidents_status"), "status_incidents", ["status"])
    op.create_index(op.f("ix_status_incidents_updated_at"), "status_incidents", ["updated_at"])
    op.create_index(op.f("ix_status_incidents_monitoring_key"), "status_incidents", ["monitoring_key"])
    op.create_table(
        "status_incident_components",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("component_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["component_id"], ["status_components.id"], ondelete="CASCADE",
                                name=op.f("fk_status_incident_components_component_id_status_components")),
        sa.ForeignKeyConstraint(["incident_id"], ["status_incidents.id"], ondelete="CASCADE",
                                name=op.f("fk_status_incident_components_incident_id_status_incidents")),
        sa.PrimaryKeyConstraint("incident_id", "component_id", name=op.f("pk_status_incident_components")),
    )
    op.create_table(
        "status_incident_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=16), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("affected_components", sa.JSON(), nullable=False),
        sa.Column("deliver_notifications", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=True),
        sa.Column("created_at", portal.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", portal.db.UTCDateTime(), nullable=False),
        sa.Column("display_at", portal.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["status_incidents.id"], ondelete="CASCADE",
                                name=op.f("fk_status_incident_updates_incident_id_status_incidents")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_incident_updates")),
        sa.UniqueConstraint("public_id", name=op.f("uq_status_incident_updates_public_id")),
    )
    op.create_index(op.f("ix_status_incident_updates_incident_id"), "status_incident_updates", ["incident_id"])


def downgrade() -> None:
    op.drop_table("status_incident_updates")
    op.drop_table("status_incident_components")
    op.drop_table("status_incidents")
    op.drop_table("status_component_history")
    op.drop_table("status_components")
    op.drop_table("status_component_groups")
