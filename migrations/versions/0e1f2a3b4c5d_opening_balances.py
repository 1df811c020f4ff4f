"""opening balances brought in when moving in (docs/domain.md §14)

Revision ID: 0e1f2a3b4c5d
Revises: d9e0f1a2b3c4
Create Date: 2026-12-06 04:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0e1f2a3b4c5d'
down_revision = 'd9e0f1a2b3c4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('bill', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=16), nullable=False,
                                      server_default='regular'))
    with op.batch_alter_table('bill_line', schema=None) as batch_op:
        batch_op.alter_column('tariff_id', existing_type=sa.Integer(), nullable=True)


def downgrade():
    with op.batch_alter_table('bill_line', schema=None) as batch_op:
        batch_op.alter_column('tariff_id', existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table('bill', schema=None) as batch_op:
        batch_op.drop_column('kind')
