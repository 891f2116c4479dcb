"""Status: incidents, updates and components in several languages.

Revision ID: status_0002
Revises: status_0001
"""
from alembic import op
import sqlalchemy as sa

revision = "status_0002"
down_revision = "status_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("status_components") as batch:
        batch.add_column(sa.Column("name_translations", sa.JSON(), nullable=False, server_default="{}"))
        batch.add_column(sa.Column("description_translations", sa.JSON(), nullable=False, server_default="{}"))
    with op.batch_alter_table("status_incidents") as batch:
        batch.add_column(sa.Column("language", sa.String(length=8), nullable=False, server_default="en"))
        batch.add_column(sa.Column("name_translations", sa.JSON(), nullable=False, server_default="{}"))
    with op.batch_alter_table("status_incident_updates") as batch:
        batch.add_column(sa.Column("body_translations", sa.JSON(), nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("status_incident_updates") as batch:
        batch.drop_column("body_translations")
    with op.batch_alter_table("status_incidents") as batch:
        batch.drop_column("name_translations")
        batch.drop_column("language")
    with op.batch_alter_table("status_components") as batch:
        batch.drop_column("description_translations")
        batch.drop_column("name_translations")
