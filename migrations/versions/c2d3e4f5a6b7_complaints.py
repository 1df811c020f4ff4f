"""complaints and follow-ups (docs/domain.md §9)

Revision ID: c2d3e4f5a6b7
Revises: b1c2d3e4f5a6
Create Date: 2026-11-23 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c2d3e4f5a6b7'
down_revision = 'b1c2d3e4f5a6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('complaint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('category', sa.String(length=16), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('logged_by', sa.String(length=100), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('respond_by', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolve_by', sa.Date(), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('response_overdue', sa.Boolean(), nullable=False),
    sa.Column('resolution_overdue', sa.Boolean(), nullable=False),
    sa.Column('satisfaction', sa.Integer(), nullable=True),
    sa.Column('nonpayment_reason', sa.Boolean(), nullable=False),
    sa.CheckConstraint("category IN ('security', 'cleaning', 'greening', 'facilities', 'parking', 'neighbours', 'fees', 'staff_conduct', 'other')", name='ck_complaint_category'),
    sa.CheckConstraint("channel IN ('phone', 'front_desk', 'app', 'wechat', 'email', 'letter', 'visit')", name='ck_complaint_channel'),
    sa.CheckConstraint("status <> 'closed' OR satisfaction IS NOT NULL", name='ck_complaint_closed_score'),
    sa.CheckConstraint("status IN ('new', 'acknowledged', 'in_progress', 'resolved', 'closed', 'reopened')", name='ck_complaint_status'),
    sa.CheckConstraint('resolve_by >= received_on', name='ck_complaint_resolve_by'),
    sa.CheckConstraint('respond_by > received_at', name='ck_complaint_respond_by'),
    sa.CheckConstraint('satisfaction BETWEEN 1 AND 5', name='ck_complaint_satisfaction'),
    sa.ForeignKeyConstraint(['assignee_id'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], ),
    sa.ForeignKeyConstraint(['owner_id'], ['owner.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_assignee_id'), ['assignee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_received_on'), ['received_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_status'), ['status'], unique=False)
        batch_op.create_index('ix_complaint_unit_category', ['unit_id', 'category', 'received_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_unit_id'), ['unit_id'], unique=False)

    op.create_table('complaint_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('by', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=24), nullable=False),
    sa.Column('from_status', sa.String(length=16), nullable=True),
    sa.Column('to_status', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("action IN ('logged', 'assigned', 'acknowledge', 'start', 'resolve', 'return_visit', 'reopen', 'note', 'reason_marked', 'reason_cleared', 'response_overdue', 'resolution_overdue')", name='ck_complaint_entry_action'),
    sa.CheckConstraint('score BETWEEN 1 AND 5', name='ck_complaint_entry_score'),
    sa.ForeignKeyConstraint(['assignee_id'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], ),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('complaint_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_entry_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_entry_complaint_id'), ['complaint_id'], unique=False)

    with op.batch_alter_table('collection_task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('complaint_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_collection_task_complaint_id'), ['complaint_id'], unique=False)
        batch_op.create_foreign_key('fk_collection_task_complaint_id', 'complaint', ['complaint_id'], ['id'])


def downgrade():
    with op.batch_alter_table('collection_task', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_collection_task_complaint_id'))
        batch_op.drop_column('complaint_id')

    with op.batch_alter_table('complaint_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_entry_complaint_id'))
        batch_op.drop_index(batch_op.f('ix_complaint_entry_community_id'))

    op.drop_table('complaint_entry')
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_unit_id'))
        batch_op.drop_index('ix_complaint_unit_category')
        batch_op.drop_index(batch_op.f('ix_complaint_status'))
        batch_op.drop_index(batch_op.f('ix_complaint_received_on'))
        batch_op.drop_index(batch_op.f('ix_complaint_owner_id'))
        batch_op.drop_index(batch_op.f('ix_complaint_community_id'))
        batch_op.drop_index(batch_op.f('ix_complaint_category'))
        batch_op.drop_index(batch_op.f('ix_complaint_assignee_id'))

    op.drop_table('complaint')
