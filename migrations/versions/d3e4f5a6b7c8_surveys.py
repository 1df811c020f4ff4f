"""satisfaction surveys (docs/domain.md §10)

Revision ID: d3e4f5a6b7c8
Revises: c2d3e4f5a6b7
Create Date: 2026-11-23 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd3e4f5a6b7c8'
down_revision = 'c2d3e4f5a6b7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('survey',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('period', sa.String(length=32), nullable=False),
    sa.Column('opens_on', sa.Date(), nullable=False),
    sa.Column('closes_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('draft', 'open', 'closed')", name='ck_survey_status'),
    sa.CheckConstraint('closes_on >= opens_on', name='ck_survey_dates'),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_closes_on'), ['closes_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_status'), ['status'], unique=False)

    op.create_table('survey_question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('dimension', sa.String(length=32), nullable=False),
    sa.Column('text', sa.String(length=300), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.CheckConstraint("dimension IN ('overall', 'security', 'cleaning', 'greening', 'facilities', 'customer_service', 'fee_transparency')", name='ck_survey_question_dim'),
    sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('survey_id', 'dimension', name='uq_survey_question_dimension')
    )
    with op.batch_alter_table('survey_question', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_question_survey_id'), ['survey_id'], unique=False)

    op.create_table('survey_response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', sa.String(length=100), nullable=False),
    sa.CheckConstraint("source IN ('staff', 'online')", name='ck_survey_response_source'),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], ),
    sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('survey_id', 'unit_id', name='uq_survey_response_unit')
    )
    with op.batch_alter_table('survey_response', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_response_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_response_survey_id'), ['survey_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_response_unit_id'), ['unit_id'], unique=False)

    op.create_table('survey_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('nonce', sa.String(length=32), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('issued_by', sa.String(length=100), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], ),
    sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('nonce'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('survey_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_token_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_token_survey_id'), ['survey_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_token_unit_id'), ['unit_id'], unique=False)

    op.create_table('survey_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.CheckConstraint('score BETWEEN 1 AND 5', name='ck_survey_answer_score'),
    sa.ForeignKeyConstraint(['question_id'], ['survey_question.id'], ),
    sa.ForeignKeyConstraint(['response_id'], ['survey_response.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('response_id', 'question_id', name='uq_survey_answer_question')
    )
    with op.batch_alter_table('survey_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_answer_question_id'), ['question_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_answer_response_id'), ['response_id'], unique=False)

    op.create_table('survey_follow_up',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('dimension', sa.String(length=32), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('done_by', sa.String(length=100), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status <> 'done' OR (done_at IS NOT NULL AND note <> '')", name='ck_survey_follow_up_done'),
    sa.CheckConstraint("status IN ('open', 'done')", name='ck_survey_follow_up_status'),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], ),
    sa.ForeignKeyConstraint(['response_id'], ['survey_response.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('response_id', 'dimension', name='uq_survey_follow_up_dimension')
    )
    with op.batch_alter_table('survey_follow_up', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_follow_up_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_follow_up_response_id'), ['response_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_follow_up_status'), ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('survey_follow_up', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_follow_up_status'))
        batch_op.drop_index(batch_op.f('ix_survey_follow_up_response_id'))
        batch_op.drop_index(batch_op.f('ix_survey_follow_up_community_id'))
    op.drop_table('survey_follow_up')

    with op.batch_alter_table('survey_answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_answer_response_id'))
        batch_op.drop_index(batch_op.f('ix_survey_answer_question_id'))
    op.drop_table('survey_answer')

    with op.batch_alter_table('survey_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_token_unit_id'))
        batch_op.drop_index(batch_op.f('ix_survey_token_survey_id'))
        batch_op.drop_index(batch_op.f('ix_survey_token_community_id'))
    op.drop_table('survey_token')

    with op.batch_alter_table('survey_response', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_response_unit_id'))
        batch_op.drop_index(batch_op.f('ix_survey_response_survey_id'))
        batch_op.drop_index(batch_op.f('ix_survey_response_community_id'))
    op.drop_table('survey_response')

    with op.batch_alter_table('survey_question', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_question_survey_id'))
    op.drop_table('survey_question')

    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_status'))
        batch_op.drop_index(batch_op.f('ix_survey_community_id'))
        batch_op.drop_index(batch_op.f('ix_survey_closes_on'))
    op.drop_table('survey')
