"""dunning levels, cases and actions; the default levels of docs/domain.md §6

Revision ID: 8e5f3a6b7c8d
Revises: 7c4d2e5f6a7b
Create Date: 2026-11-23 13:07:28.832189

"""
from decimal import Decimal

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8e5f3a6b7c8d'
down_revision = '7c4d2e5f6a7b'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('dunning_level',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('min_amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('template', sa.String(length=64), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.CheckConstraint('level BETWEEN 0 AND 4', name='ck_dunning_level_number'),
    sa.CheckConstraint('min_amount >= 0', name='ck_dunning_level_min_amount'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('level')
    )
    op.create_table('dunning_case',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('pause_kind', sa.String(length=16), nullable=True),
    sa.Column('pause_note', sa.String(length=300), nullable=False),
    sa.Column('paused_until', sa.Date(), nullable=True),
    sa.CheckConstraint("pause_kind IS NULL OR pause_kind IN ('installment', 'promise', 'complaint')", name='ck_dunning_case_pause'),
    sa.CheckConstraint('level BETWEEN 0 AND 4', name='ck_dunning_case_level'),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], ),
    sa.ForeignKeyConstraint(['owner_id'], ['owner.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('dunning_case', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dunning_case_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dunning_case_opened_on'), ['opened_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_dunning_case_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dunning_case_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index('uq_dunning_case_open', ['unit_id'], unique=True, sqlite_where=sa.text('closed_on IS NULL'), postgresql_where=sa.text('closed_on IS NULL'))

    op.create_table('dunning_action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('scheduled_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('days_overdue', sa.Integer(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('document', sa.String(length=300), nullable=True),
    sa.Column('outbox_message_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=True),
    sa.Column('decided_by', sa.String(length=100), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.String(length=300), nullable=True),
    sa.CheckConstraint("(kind = 'legal_proposal') = (status IS NOT NULL)", name='ck_dunning_action_status'),
    sa.CheckConstraint("kind IN ('reminder', 'letter', 'follow_up', 'legal_proposal')", name='ck_dunning_action_kind'),
    sa.CheckConstraint("status IS NULL OR status IN ('proposed', 'approved', 'rejected')", name='ck_dunning_action_status_values'),
    sa.CheckConstraint('level BETWEEN 0 AND 4', name='ck_dunning_action_level'),
    sa.ForeignKeyConstraint(['case_id'], ['dunning_case.id'], ),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], ),
    sa.ForeignKeyConstraint(['outbox_message_id'], ['outbox_message.id'], ),
    sa.ForeignKeyConstraint(['owner_id'], ['owner.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_id', 'level', name='uq_dunning_action_case_level')
    )
    with op.batch_alter_table('dunning_action', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dunning_action_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dunning_action_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dunning_action_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_dunning_action_outbox_message_id'), ['outbox_message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dunning_action_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dunning_action_scheduled_on'), ['scheduled_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_dunning_action_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_dunning_action_unit_id'), ['unit_id'], unique=False)

    # The default levels (docs/domain.md §6), copied here so that later edits of the code's defaults
    # never change what this revision installs.
    levels = sa.table(
        'dunning_level',
        sa.column('level', sa.Integer), sa.column('name', sa.String),
        sa.column('days', sa.Integer), sa.column('min_amount', sa.Numeric(14, 2)),
        sa.column('channel', sa.String), sa.column('template', sa.String),
        sa.column('active', sa.Boolean),
    )
    op.bulk_insert(levels, [
        {'level': level, 'name': name, 'days': days, 'min_amount': Decimal('0.00'),
         'channel': channel, 'template': template, 'active': True}
        for level, name, days, channel, template in (
            (0, '缴费提醒', -7, 'sms', 'pre_due_reminder'),
            (1, '温馨提醒', 1, 'sms', 'friendly_reminder'),
            (2, '正式催缴函', 30, 'letter', 'formal_letter'),
            (3, '重点跟进', 60, 'phone', 'key_follow_up'),
            (4, '法律途径', 180, 'letter', 'legal_proposal'),
        )
    ])


def downgrade():
    with op.batch_alter_table('dunning_action', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dunning_action_unit_id'))
        batch_op.drop_index(batch_op.f('ix_dunning_action_status'))
        batch_op.drop_index(batch_op.f('ix_dunning_action_scheduled_on'))
        batch_op.drop_index(batch_op.f('ix_dunning_action_owner_id'))
        batch_op.drop_index(batch_op.f('ix_dunning_action_outbox_message_id'))
        batch_op.drop_index(batch_op.f('ix_dunning_action_kind'))
        batch_op.drop_index(batch_op.f('ix_dunning_action_community_id'))
        batch_op.drop_index(batch_op.f('ix_dunning_action_case_id'))

    op.drop_table('dunning_action')
    with op.batch_alter_table('dunning_case', schema=None) as batch_op:
        batch_op.drop_index('uq_dunning_case_open', sqlite_where=sa.text('closed_on IS NULL'), postgresql_where=sa.text('closed_on IS NULL'))
        batch_op.drop_index(batch_op.f('ix_dunning_case_unit_id'))
        batch_op.drop_index(batch_op.f('ix_dunning_case_owner_id'))
        batch_op.drop_index(batch_op.f('ix_dunning_case_opened_on'))
        batch_op.drop_index(batch_op.f('ix_dunning_case_community_id'))

    op.drop_table('dunning_case')
    op.drop_table('dunning_level')
