"""supervision plans, checks, findings, rectifications (docs/domain.md §11)

Revision ID: e4f5a6b7c8d9
Revises: d3e4f5a6b7c8
Create Date: 2026-11-23 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e4f5a6b7c8d9'
down_revision = 'd3e4f5a6b7c8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('supervision_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('cycle', sa.String(length=16), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('planned_checks', sa.Integer(), nullable=False),
    sa.Column('focus', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("cycle IN ('annual', 'quarterly', 'monthly')", name='ck_supervision_plan_cycle'),
    sa.CheckConstraint('ends_on >= starts_on', name='ck_supervision_plan_period'),
    sa.CheckConstraint('planned_checks >= 1', name='ck_supervision_plan_checks'),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('supervision_plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supervision_plan_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_supervision_plan_starts_on'), ['starts_on'], unique=False)

    op.create_table('supervision_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('scope', sa.String(length=16), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('file', sa.String(length=300), nullable=False),
    sa.Column('pages', sa.Integer(), nullable=False),
    sa.Column('generated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('generated_by', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('month', 'scope', name='uq_supervision_report_slot')
    )
    with op.batch_alter_table('supervision_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supervision_report_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_supervision_report_month'), ['month'], unique=False)

    op.create_table('supervision_check',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('checked_on', sa.Date(), nullable=False),
    sa.Column('inspector', sa.String(length=100), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('recorded_by', sa.String(length=100), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('routine', 'special', 'surprise')", name='ck_supervision_check_kind'),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], ),
    sa.ForeignKeyConstraint(['plan_id'], ['supervision_plan.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('supervision_check', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supervision_check_checked_on'), ['checked_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_supervision_check_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_supervision_check_plan_id'), ['plan_id'], unique=False)

    op.create_table('supervision_finding',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('check_id', sa.Integer(), nullable=False),
    sa.Column('severity', sa.String(length=16), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.CheckConstraint("severity IN ('general', 'serious', 'critical')", name='ck_supervision_finding_severity'),
    sa.ForeignKeyConstraint(['check_id'], ['supervision_check.id'], ),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('supervision_finding', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supervision_finding_check_id'), ['check_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_supervision_finding_community_id'), ['community_id'], unique=False)

    op.create_table('rectification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('finding_id', sa.Integer(), nullable=False),
    sa.Column('responsible_id', sa.Integer(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('rectified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rectified_by', sa.String(length=100), nullable=True),
    sa.Column('rectification_note', sa.Text(), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('accepted_by', sa.String(length=100), nullable=True),
    sa.Column('rejections', sa.Integer(), nullable=False),
    sa.Column('decision_note', sa.String(length=300), nullable=True),
    sa.CheckConstraint("(status = 'accepted') = (accepted_at IS NOT NULL)", name='ck_rectification_accepted'),
    sa.CheckConstraint("status IN ('open', 'rectified', 'accepted', 'overdue')", name='ck_rectification_status'),
    sa.CheckConstraint('accepted_at IS NULL OR rectified_at IS NOT NULL', name='ck_rectification_order'),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], ),
    sa.ForeignKeyConstraint(['finding_id'], ['supervision_finding.id'], ),
    sa.ForeignKeyConstraint(['responsible_id'], ['ab_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('finding_id')
    )
    with op.batch_alter_table('rectification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rectification_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rectification_deadline'), ['deadline'], unique=False)
        batch_op.create_index(batch_op.f('ix_rectification_responsible_id'), ['responsible_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rectification_status'), ['status'], unique=False)



def downgrade():
    with op.batch_alter_table('rectification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rectification_status'))
        batch_op.drop_index(batch_op.f('ix_rectification_responsible_id'))
        batch_op.drop_index(batch_op.f('ix_rectification_deadline'))
        batch_op.drop_index(batch_op.f('ix_rectification_community_id'))

    op.drop_table('rectification')
    with op.batch_alter_table('supervision_finding', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supervision_finding_community_id'))
        batch_op.drop_index(batch_op.f('ix_supervision_finding_check_id'))

    op.drop_table('supervision_finding')
    with op.batch_alter_table('supervision_check', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supervision_check_plan_id'))
        batch_op.drop_index(batch_op.f('ix_supervision_check_community_id'))
        batch_op.drop_index(batch_op.f('ix_supervision_check_checked_on'))

    op.drop_table('supervision_check')
    with op.batch_alter_table('supervision_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supervision_report_month'))
        batch_op.drop_index(batch_op.f('ix_supervision_report_community_id'))

    op.drop_table('supervision_report')
    with op.batch_alter_table('supervision_plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supervision_plan_starts_on'))
        batch_op.drop_index(batch_op.f('ix_supervision_plan_community_id'))

    op.drop_table('supervision_plan')
