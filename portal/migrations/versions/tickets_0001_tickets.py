"""tickets: tickets, fields, attachments, reference sequence, deflection analytics

Revision ID: tickets_0001
Revises: 0001_base
"""
from alembic import op
import sqlalchemy as sa
import portal.db

revision = "tickets_0001"
down_revision = "0001_base"
branch_labels = ("tickets",)
depends_on = None


def upgrade() -> None:
    op.create_table('tickets_deflection_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.String(length=64), nullable=False),
    sa.Column('event', sa.String(length=32), nullable=False),
    sa.Column('form_slug', sa.String(length=40), nullable=True),
    sa.Column('locale', sa.String(length=8), nullable=True),
    sa.Column('article_slug', sa.String(length=200), nullable=True),
    sa.Column('query', sa.String(length=300), nullable=True),
    sa.Column('created_at', portal.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tickets_deflection_events'))
    )
    op.create_index('ix_tickets_deflection_events_attempt', 'tickets_deflection_events', ['attempt_id', 'event'], unique=False)
    op.create_index(op.f('ix_tickets_deflection_events_created_at'), 'tickets_deflection_events', ['created_at'], unique=False)
    op.create_index(op.f('ix_tickets_deflection_events_event'), 'tickets_deflection_events', ['event'], unique=False)
    op.create_table('tickets_helpcenter_daily',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('views', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_tickets_helpcenter_daily'))
    )
    op.create_table('tickets_sequences',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last_value', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_tickets_sequences'))
    )
    op.create_table('tickets_tickets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('public_token', sa.String(length=64), nullable=False),
    sa.Column('form_slug', sa.String(length=40), nullable=False),
    sa.Column('locale', sa.String(length=8), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=True),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('priority', sa.String(length=16), nullable=False),
    sa.Column('urgency', sa.String(length=40), nullable=True),
    sa.Column('callback_phone', sa.String(length=60), nullable=True),
    sa.Column('callback_language', sa.String(length=8), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('pii_confirmed', sa.Boolean(), nullable=False),
    sa.Column('attempt_id', sa.String(length=64), nullable=True),
    sa.Column('expected_by', portal.db.UTCDateTime(), nullable=True),
    sa.Column('created_at', portal.db.UTCDateTime(), nullable=False),
    sa.Column('withdrawn_at', portal.db.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tickets_tickets')),
    sa.UniqueConstraint('public_token', name=op.f('uq_tickets_tickets_public_token')),
    sa.UniqueConstraint('reference', name=op.f('uq_tickets_tickets_reference'))
    )
    op.create_index(op.f('ix_tickets_tickets_created_at'), 'tickets_tickets', ['created_at'], unique=False)
    op.create_index(op.f('ix_tickets_tickets_status'), 'tickets_tickets', ['status'], unique=False)
    op.create_table('tickets_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('field_name', sa.String(length=40), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('stored_path', sa.String(length=500), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('created_at', portal.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets_tickets.id'], name=op.f('fk_tickets_attachments_ticket_id_tickets_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tickets_attachments'))
    )
    op.create_index(op.f('ix_tickets_attachments_ticket_id'), 'tickets_attachments', ['ticket_id'], unique=False)
    op.create_table('tickets_fields',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('label', sa.String(length=300), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets_tickets.id'], name=op.f('fk_tickets_fields_ticket_id_tickets_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tickets_fields')),
    sa.UniqueConstraint('ticket_id', 'name', name=op.f('uq_tickets_fields_ticket_id'))
    )
    op.create_index(op.f('ix_tickets_fields_ticket_id'), 'tickets_fields', ['ticket_id'], unique=False)


def downgrade() -> None:
    op.drop_table("tickets_fields")
    op.drop_table("tickets_attachments")
    op.drop_table("tickets_tickets")
    op.drop_table("tickets_sequences")
    op.drop_table("tickets_helpcenter_daily")
    op.drop_table("tickets_deflection_events")
