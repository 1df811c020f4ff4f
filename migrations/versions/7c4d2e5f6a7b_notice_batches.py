"""notice batches

Revision ID: 7c4d2e5f6a7b
Revises: 6b2e1c3d4f5a
Create Date: 2026-11-23 15:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c4d2e5f6a7b'
down_revision = '6b2e1c3d4f5a'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('notice_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('chunks', sa.Integer(), nullable=False),
    sa.Column('notices', sa.Integer(), nullable=False),
    sa.Column('rendered', sa.Integer(), nullable=False),
    sa.Column('pages', sa.Integer(), nullable=True),
    sa.Column('merged_file', sa.String(length=300), nullable=True),
    sa.Column('started_by', sa.String(length=100), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('rendering', 'merging', 'finished')", name='ck_notice_batch_status'),
    sa.CheckConstraint('chunks > 0 AND rendered >= 0 AND rendered <= notices', name='ck_notice_batch_counts'),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('community_id', 'period_start', name='uq_notice_batch_period')
    )
    with op.batch_alter_table('notice_batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_batch_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notice_batch_started_at'), ['started_at'], unique=False)

    op.create_table('notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('bill_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('chunk', sa.Integer(), nullable=False),
    sa.Column('file', sa.String(length=300), nullable=True),
    sa.Column('pages', sa.Integer(), nullable=True),
    sa.Column('total_due', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('rendered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('pages IS NULL OR pages > 0', name='ck_notice_pages'),
    sa.ForeignKeyConstraint(['batch_id'], ['notice_batch.id'], ),
    sa.ForeignKeyConstraint(['bill_id'], ['bill.id'], ),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], ),
    sa.ForeignKeyConstraint(['message_id'], ['outbox_message.id'], ),
    sa.ForeignKeyConstraint(['owner_id'], ['owner.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('batch_id', 'position', name='uq_notice_position'),
    sa.UniqueConstraint('bill_id', name='uq_notice_bill')
    )
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.create_index('ix_notice_batch_chunk', ['batch_id', 'chunk'], unique=False)
        batch_op.create_index(batch_op.f('ix_notice_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notice_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notice_unit_id'), ['unit_id'], unique=False)



def downgrade():
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_unit_id'))
        batch_op.drop_index(batch_op.f('ix_notice_owner_id'))
        batch_op.drop_index(batch_op.f('ix_notice_community_id'))
        batch_op.drop_index('ix_notice_batch_chunk')

    op.drop_table('notice')
    with op.batch_alter_table('notice_batch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_batch_started_at'))
        batch_op.drop_index(batch_op.f('ix_notice_batch_community_id'))

    op.drop_table('notice_batch')
