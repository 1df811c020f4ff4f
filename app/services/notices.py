"""Payment-notice batches (docs/domain.md §3): which bills get a notice, and the batch's
bookkeeping.

Starting a batch lists the community's live (not cancelled) bills of the month in print order
(building, then unit, numbers in numeric order) and cuts the list into chunks; the jobs
(``jobs.notices``) render each chunk, record it here, and finish the batch: merged PDF, bills
marked noticed (never edited afterwards, docs/domain.md §3), one outbox message per notice. Each
step is idempotent: a second start returns the batch, a chunk recorded again overwrites its rows, a
finished batch finishes nothing twice.

Chunks finishing together are counted one after the other: each recording first locks the
batch row (PostgreSQL ``FOR UPDATE``; SQLite takes one writer at a time), so exactly one of
them sees the last notice rendered and moves the batch to ``merging``.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload
from werkzeug.utils import secure_filename

from app.clock import business_date
from app.domain.money import format_money
from app.models import Bill, Building, Community, Notice, NoticeBatch, Unit
from app.models.notices import NoticeBatchStatus
from app.models.outbox import MessageKind, OutboxStatus
from app.models.types import BillStatus
from app.services.delivery import queue_message
from app.services.errors import DomainError
from app.services.rows import find_row, visible_only

CHUNK_SIZE = 50  # notices per chunk job (~8 s of layout), so that N workers share a batch
LANG = "zh"  # the language of the notices and of the messages that carry them
NO_BILLS = _l("No bills of this month to notice: run the billing first.")


def _natural(text: str) -> tuple:
    """Sort key putting "2-1-101" before "10-1-101"."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text))


def folder(batch: NoticeBatch) -> str:
    """The batch's folder under ``WUYE_FILES_DIR``: ``notices/<community>/<YYYY-MM>``."""
    return f"notices/{secure_filename(batch.community.code)}/{batch.period_start:%Y-%m}"


def chunk_file(batch: NoticeBatch, chunk: int) -> str:
    return f"{folder(batch)}/chunks/{chunk:04d}.pdf"


def merged_file(batch: NoticeBatch) -> str:
    code = secure_filename(batch.community.code)
    return f"{folder(batch)}/notices-{code}-{batch.period_start:%Y-%m}.pdf"


def _batch(session: Session, batch_id: int, lock: bool = False) -> NoticeBatch:
    return find_row(session, NoticeBatch, batch_id, lock=lock, batch=_l("Unknown notice batch."))


def find_batch(session: Session, community_id: int, period: date) -> NoticeBatch | None:
    return session.scalar(
        # unscoped: the batch of a community found through the door
        select(NoticeBatch).where(
            NoticeBatch.community_id == community_id, NoticeBatch.period_start == period
        )
    )


def communities_to_notice(session: Session, period: date) -> list[int]:
    """The communities (of the user's) with a live bill of the month."""
    return list(
        session.scalars(
            visible_only(
                select(Bill.community_id)
                .where(Bill.period_start == period, Bill.status != BillStatus.CANCELLED)
                .distinct()
                .order_by(Bill.community_id),
                Bill,
            )
        )
    )


def bills_to_notice(session: Session, community_id: int, period: date) -> list[Bill]:
    """The community's live bills of the month, in print order."""
    rows = session.execute(
        # unscoped: the bills of a community found through the door
        select(Bill, Building.code, Unit.code)
        .join(Unit, Bill.unit_id == Unit.id)
        .join(Building, Unit.building_id == Building.id)
        .where(
            Bill.community_id == community_id,
            Bill.period_start == period,
            Bill.status != BillStatus.CANCELLED,
        )
    ).all()
    rows = sorted(rows, key=lambda row: (_natural(row[1]), _natural(row[2]), row[0].id))
    return [bill for bill, _building, _unit in rows]


def start_notice_batch(
    session: Session,
    community_id: int,
    period: date,
    actor: str,
    chunk_size: int | None = None,
    today: date | None = None,
) -> tuple[NoticeBatch, bool]:
    """The community's notice batch for the month, and whether this call started it.

    A second start returns the batch already there, whatever its state (a failed one is
    resumed by ``jobs.notices.run_notice_batch``). The notices are dated ``today`` (default: the
    business date), which is also the date late fees are computed to. ``chunk_size`` notices
    (default ``CHUNK_SIZE``) make a chunk. Two starts racing each other: the unique batch per
    community and month lets one commit.

    :raises NotFoundError: unknown community, or outside the user's communities.
    :raises DomainError: no live bill of that month.
    """
    community = find_row(session, Community, community_id, community=_l("Unknown community."))
    existing = find_batch(session, community_id, period)
    if existing is not None:
        return existing, False
    bills = bills_to_notice(session, community_id, period)
    if not bills:
        raise DomainError(period=NO_BILLS)
    chunk_size = chunk_size or CHUNK_SIZE
    batch = NoticeBatch(
        community=community,
        period_start=period,
        issued_on=today or business_date(),
        status=NoticeBatchStatus.RENDERING,
        chunks=-(-len(bills) // chunk_size),
        notices=len(bills),
        rendered=0,
        started_by=actor,
        started_at=datetime.now(UTC),
    )
    session.add(batch)
    session.add_all(
        Notice(
            batch=batch,
            community_id=community_id,
            bill_id=bill.id,
            unit_id=bill.unit_id,
            owner_id=bill.owner_id,
            position=position,
            chunk=position // chunk_size,
        )
        for position, bill in enumerate(bills)
    )
    session.flush()
    return batch, True


def start_notice_batches(
    session: Session, period: date, community_id: int | None, actor: str
) -> list[tuple[NoticeBatch, bool]]:
    """``start_notice_batch`` for one community, or for each of the user's communities with
    bills of the month (``community_id`` None).

    :raises DomainError: no bill of the month to notice.
    """
    ids = [community_id] if community_id is not None else communities_to_notice(session, period)
    if not ids:
        raise DomainError(period=NO_BILLS)
    return [start_notice_batch(session, i, period, actor) for i in ids]


def pending_chunks(session: Session, batch_id: int) -> list[int]:
    """The chunks of the batch with a notice not rendered yet."""
    return list(
        session.scalars(
            select(Notice.chunk)
            .where(Notice.batch_id == batch_id, Notice.rendered_at.is_(None))
            .distinct()
            .order_by(Notice.chunk)
        )
    )


def batch_notices(session: Session, batch_id: int) -> list[Notice]:
    """The batch's notices in print order, with their units."""
    return list(
        session.scalars(
            # unscoped: the notices of a batch the CLI (the system) reports on
            select(Notice)
            .where(Notice.batch_id == batch_id)
            .order_by(Notice.position)
            .options(selectinload(Notice.unit))
        )
    )


@dataclass(frozen=True)
class NoticeToRender:
    notice_id: int
    file: str  # under WUYE_FILES_DIR
    bill_id: int  # its context: reports.context.notice_context(bill_id, ChunkWork.issued_on)


@dataclass
class ChunkWork:
    """What a chunk job renders: its notices, and those whose bill was cancelled since the
    batch started (dropped from the batch)."""

    label: str  # the batch, for job descriptions
    chunk_file: str
    issued_on: date  # the notices' date: late fees are reckoned to it
    notices: list[NoticeToRender] = field(default_factory=list)
    dropped: list[int] = field(default_factory=list)


def chunk_work(session: Session, batch_id: int, chunk: int) -> ChunkWork:
    """The notices of one chunk, their bills loaded for their contexts (in three queries for
    the whole chunk: the caller builds the contexts in the same session)."""
    batch = _batch(session, batch_id)
    work = ChunkWork(str(batch), chunk_file(batch, chunk), batch.issued_on)
    notices = session.scalars(
        # unscoped: the notices of a batch found through the door
        select(Notice)
        .where(Notice.batch_id == batch_id, Notice.chunk == chunk)
        .order_by(Notice.position)
        .options(  # what each notice's context reads
            selectinload(Notice.bill).options(
                selectinload(Bill.lines), joinedload(Bill.unit), joinedload(Bill.owner)
            )
        )
    )
    for notice in notices:
        if notice.bill.status == BillStatus.CANCELLED:
            work.dropped.append(notice.id)
            continue
        work.notices.append(
            NoticeToRender(
                notice.id,
                f"{folder(batch)}/{secure_filename(notice.bill.number)}.pdf",
                notice.bill_id,
            )
        )
    return work


@dataclass(frozen=True)
class RenderedNotice:
    notice_id: int
    file: str
    pages: int
    total_due: Decimal


def record_chunk(
    session: Session,
    batch_id: int,
    rendered: Sequence[RenderedNotice],
    dropped: Sequence[int] = (),
    now: datetime | None = None,
) -> bool:
    """Record a chunk's files (and drop its notices of bills cancelled since the start); True
    if it was the batch's last notice to render: the batch is then ``merging``, enqueue the
    merge after the commit."""
    batch = _batch(session, batch_id, lock=True)
    now = now or datetime.now(UTC)
    notices = {
        notice.id: notice
        for notice in session.scalars(
            # unscoped: the notices the chunk job of a batch found through the door rendered
            select(Notice).where(Notice.id.in_([item.notice_id for item in rendered] + [*dropped]))
        )
    }
    for item in rendered:
        notice = notices[item.notice_id]
        notice.file, notice.pages, notice.total_due = item.file, item.pages, item.total_due
        notice.rendered_at = now
    for notice_id in dropped:
        if notice_id in notices and notices[notice_id].rendered_at is None:
            session.delete(notices[notice_id])
    session.flush()
    batch.notices = session.execute(
        select(func.count()).select_from(Notice).where(Notice.batch_id == batch_id)
    ).scalar_one()
    batch.rendered = session.execute(
        select(func.count())
        .select_from(Notice)
        .where(Notice.batch_id == batch_id, Notice.rendered_at.is_not(None))
    ).scalar_one()
    last = batch.status == NoticeBatchStatus.RENDERING and batch.rendered == batch.notices
    if last:
        batch.status = NoticeBatchStatus.MERGING
    session.flush()
    return last


@dataclass(frozen=True)
class MergePlan:
    chunk_files: list[str]  # in order, under WUYE_FILES_DIR
    merged_file: str


def merge_plan(session: Session, batch_id: int) -> MergePlan | None:
    """The chunk files to join into the batch's printable PDF; None unless it is merging."""
    batch = _batch(session, batch_id)
    if batch.status != NoticeBatchStatus.MERGING:
        return None
    chunks = session.scalars(
        select(Notice.chunk).where(Notice.batch_id == batch_id).distinct().order_by(Notice.chunk)
    )
    return MergePlan([chunk_file(batch, k) for k in chunks], merged_file(batch))


def _message(notice: Notice, community: Community, period: date) -> tuple[str, str]:
    """Subject and text of the message carrying a notice, in the notices' language."""
    with force_locale(LANG):
        subject = gettext(
            "Payment notice %(period)s, unit %(unit)s",
            period=f"{period:%Y-%m}",
            unit=notice.unit.code,
        )
        body = gettext(
            "%(community)s: the payment notice of unit %(unit)s for %(period)s is attached. "
            "Total due: ¥%(total)s, by %(due)s.",
            community=community.name,
            unit=notice.unit.code,
            period=f"{period:%Y-%m}",
            total=format_money(notice.total_due),
            due=notice.bill.due_date.isoformat(),
        )
    return subject, body


def finish_notice_batch(
    session: Session, batch_id: int, merged: str, pages: int, now: datetime | None = None
) -> list[int]:
    """Record the merged PDF, mark the bills noticed and write one outbox message per notice
    (e-mail for owners who consented, a letter to print for the rest).

    :returns: the ids of the messages to deliver (``jobs.delivery.enqueue_delivery``) after
        the commit; none when the batch was finished already.
    """
    batch = _batch(session, batch_id, lock=True)
    if batch.status == NoticeBatchStatus.FINISHED:
        return []
    now = now or datetime.now(UTC)
    notices = session.scalars(
        # unscoped: the notices of a batch found through the door
        select(Notice)
        .where(Notice.batch_id == batch_id)
        .order_by(Notice.position)
        .options(
            selectinload(Notice.bill),
            selectinload(Notice.owner),
            selectinload(Notice.unit).joinedload(Unit.building),  # the message's community
        )
    ).all()
    to_deliver = []
    for notice in notices:
        if notice.bill.noticed_at is None:
            notice.bill.noticed_at = now
        if notice.message_id is not None or notice.owner is None:
            continue
        subject, body = _message(notice, batch.community, batch.period_start)
        notice.message = queue_message(
            session,
            notice.owner,
            MessageKind.NOTICE,
            subject,
            body,
            attachment=notice.file,
            unit=notice.unit,
            related=f"bill:{notice.bill_id}",
            flush=False,  # one flush for the whole batch, below
        )
        if notice.message.status == OutboxStatus.QUEUED:
            to_deliver.append(notice.message)
    batch.status = NoticeBatchStatus.FINISHED
    batch.merged_file, batch.pages, batch.finished_at = merged, pages, now
    session.flush()
    return [message.id for message in to_deliver]
