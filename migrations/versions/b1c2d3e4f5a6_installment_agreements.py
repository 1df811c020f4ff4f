"""installment agreements and instalments (docs/domain.md §8)

Revision ID: b1c2d3e4f5a6
Revises: 9a7b4c5d6e7f
Create Date: 2026-11-23 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b1c2d3e4f5a6'
down_revision = '9a7b4c5d6e7f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('installment_agreement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('agreed_on', sa.Date(), nullable=False),
    sa.Column('all_arrears', sa.Boolean(), nullable=False),
    sa.Column('covered_total', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('grace_days', sa.Integer(), nullable=False),
    sa.Column('signed_scan', sa.String(length=300), nullable=True),
    sa.Column('drafted_by', sa.String(length=100), nullable=False),
    sa.Column('drafted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sa.String(length=100), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.String(length=300), nullable=True),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.CheckConstraint("kind IN ('installment', 'deferral')", name='ck_installment_kind'),
    sa.CheckConstraint("status IN ('draft', 'active', 'completed', 'defaulted', 'rejected', 'cancelled')", name='ck_installment_status'),
    sa.CheckConstraint('covered_total > 0', name='ck_installment_covered_total'),
    sa.CheckConstraint('grace_days >= 0', name='ck_installment_grace_days'),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], ),
    sa.ForeignKeyConstraint(['owner_id'], ['owner.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('number')
    )
    with op.batch_alter_table('installment_agreement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_installment_agreement_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_installment_agreement_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_installment_agreement_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_installment_agreement_unit_id'), ['unit_id'], unique=False)

    op.create_table('installment_bill',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('bill_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.CheckConstraint('amount > 0', name='ck_installment_bill_amount'),
    sa.ForeignKeyConstraint(['agreement_id'], ['installment_agreement.id'], ),
    sa.ForeignKeyConstraint(['bill_id'], ['bill.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('agreement_id', 'bill_id', name='uq_installment_bill')
    )
    with op.batch_alter_table('installment_bill', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_installment_bill_agreement_id'), ['agreement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_installment_bill_bill_id'), ['bill_id'], unique=False)

    op.create_table('instalment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.CheckConstraint('amount > 0', name='ck_instalment_amount'),
    sa.CheckConstraint('seq >= 0', name='ck_instalment_seq'),
    sa.ForeignKeyConstraint(['agreement_id'], ['installment_agreement.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('agreement_id', 'seq', name='uq_instalment_seq')
    )
    with op.batch_alter_table('instalment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_instalment_agreement_id'), ['agreement_id'], unique=False)


def downgrade():
    with op.batch_alter_table('instalment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_instalment_agreement_id'))

    op.drop_table('instalment')
    with op.batch_alter_table('installment_bill', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_installment_bill_bill_id'))
        batch_op.drop_index(batch_op.f('ix_installment_bill_agreement_id'))

    op.drop_table('installment_bill')
    with op.batch_alter_table('installment_agreement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_installment_agreement_unit_id'))
        batch_op.drop_index(batch_op.f('ix_installment_agreement_status'))
        batch_op.drop_index(batch_op.f('ix_installment_agreement_owner_id'))
        batch_op.drop_index(batch_op.f('ix_installment_agreement_community_id'))

    op.drop_table('installment_agreement')
