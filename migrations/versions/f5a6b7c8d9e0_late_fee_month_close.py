"""late fees posted at month close (docs/domain.md §5)

Revision ID: f5a6b7c8d9e0
Revises: e4f5a6b7c8d9
Create Date: 2026-11-23 17:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f5a6b7c8d9e0'
down_revision = 'e4f5a6b7c8d9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('bill', schema=None) as batch_op:
        batch_op.add_column(sa.Column('late_fee_closed', sa.Numeric(precision=14, scale=2),
                                      nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('late_fee_closed_on', sa.Date(), nullable=True))
        batch_op.create_check_constraint('ck_bill_late_fee_closed', 'late_fee_closed >= 0')


def downgrade():
    with op.batch_alter_table('bill', schema=None) as batch_op:
        batch_op.drop_constraint('ck_bill_late_fee_closed', type_='check')
        batch_op.drop_column('late_fee_closed_on')
        batch_op.drop_column('late_fee_closed')
