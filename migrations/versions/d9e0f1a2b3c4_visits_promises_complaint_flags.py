"""collection rules: dunning visits (a visit action links its task and the attempt that recorded
its outcome; a task's next action may be a dunning visit); complaint overdue flags computed when
read (the stored flags become the daily check's "entry written" marks; the business day of the
latest resolution is stored beside its instant)

Revision ID: d9e0f1a2b3c4
Revises: c8d9e0f1a2b3
Create Date: 2026-12-05 19:30:00

"""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op
from flask import current_app

# revision identifiers, used by Alembic.
revision = "d9e0f1a2b3c4"
down_revision = "c8d9e0f1a2b3"
branch_labels = None
depends_on = None

ACTIONS = (
    "first_contact",
    "remind_before_promise",
    "contact_again",
    "find_contact_visit",
    "guide_remote_payment",
    "manager_follow_up",
)


def _one_of(values) -> str:
    return f"next_action IN ({', '.join(repr(v) for v in values)})"


complaint = sa.table(
    "complaint",
    sa.column("id", sa.Integer),
    sa.column("resolved_at", sa.DateTime(timezone=True)),
    sa.column("resolved_on", sa.Date),
    sa.column("resolve_by", sa.Date),
    sa.column("acknowledged_at", sa.DateTime(timezone=True)),
    sa.column("respond_by", sa.DateTime(timezone=True)),
    sa.column("response_overdue", sa.Boolean),
    sa.column("resolution_overdue", sa.Boolean),
)


def _instant(value) -> datetime:
    """A stored UTC instant (SQLite gives it back as naive text)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _backfill_resolved_on() -> None:
    zone = ZoneInfo(current_app.config.get("WUYE_TIMEZONE") or "Asia/Shanghai")
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(complaint.c.id, complaint.c.resolved_at).where(
            complaint.c.resolved_at.is_not(None)
        )
    ).all()
    for complaint_id, resolved_at in rows:
        day = _instant(resolved_at).astimezone(zone).date()
        bind.execute(
            complaint.update().where(complaint.c.id == complaint_id).values(resolved_on=day)
        )


def upgrade():
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.alter_column("response_overdue", new_column_name="response_overdue_logged")
        batch_op.alter_column("resolution_overdue", new_column_name="resolution_overdue_logged")
        batch_op.add_column(sa.Column("resolved_on", sa.Date(), nullable=True))
    _backfill_resolved_on()

    with op.batch_alter_table("collection_task", schema=None) as batch_op:
        batch_op.drop_constraint("ck_collection_task_action", type_="check")
        batch_op.create_check_constraint(
            "ck_collection_task_action", _one_of((*ACTIONS, "dunning_visit"))
        )

    with op.batch_alter_table("dunning_action", schema=None) as batch_op:
        batch_op.add_column(sa.Column("task_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("attempt_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_dunning_action_task_id"), ["task_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_dunning_action_attempt_id"), ["attempt_id"], unique=False
        )
        batch_op.create_foreign_key(
            "fk_dunning_action_task_id", "collection_task", ["task_id"], ["id"]
        )
        batch_op.create_foreign_key(
            "fk_dunning_action_attempt_id", "contact_attempt", ["attempt_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("dunning_action", schema=None) as batch_op:
        batch_op.drop_constraint("fk_dunning_action_attempt_id", type_="foreignkey")
        batch_op.drop_constraint("fk_dunning_action_task_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_dunning_action_attempt_id"))
        batch_op.drop_index(batch_op.f("ix_dunning_action_task_id"))
        batch_op.drop_column("attempt_id")
        batch_op.drop_column("task_id")

    # A visit due becomes the nearest action the earlier schema knows.
    op.execute(
        "UPDATE collection_task SET next_action = 'find_contact_visit' "
        "WHERE next_action = 'dunning_visit'"
    )
    with op.batch_alter_table("collection_task", schema=None) as batch_op:
        batch_op.drop_constraint("ck_collection_task_action", type_="check")
        batch_op.create_check_constraint("ck_collection_task_action", _one_of(ACTIONS))

    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.alter_column("response_overdue_logged", new_column_name="response_overdue")
        batch_op.alter_column("resolution_overdue_logged", new_column_name="resolution_overdue")
    # The stored flags recorded late answers too: set them again from the stored instants.
    op.execute(
        complaint.update()
        .where(complaint.c.acknowledged_at > complaint.c.respond_by)
        .values(response_overdue=sa.true())
    )
    op.execute(
        complaint.update()
        .where(complaint.c.resolved_on > complaint.c.resolve_by)
        .values(resolution_overdue=sa.true())
    )
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_column("resolved_on")
