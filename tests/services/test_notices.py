"""Notice batches: which bills, in which order, chunk bookkeeping, finishing once."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from app.models import AuditLog, Bill, Community, Notice, NoticeBatch, OutboxMessage, Owner
from app.services.billing import run_billing
from app.services.bills import cancel_bill
from app.services.errors import DomainError, NotFoundError
from app.services.notices import (
    RenderedNotice,
    bills_to_notice,
    chunk_work,
    finish_notice_batch,
    merge_plan,
    pending_chunks,
    record_chunk,
    start_notice_batch,
    start_notice_batches,
)
from reports.context import notice_context
from tests.factories import make_building, make_owner, make_ownership, make_unit

MARCH = date(2026, 3, 1)


@pytest.fixture
def billed(session):
    """Community A with units in buildings 1, 2 and 10, billed for March 2026."""
    community = session.get(Community, 1)
    for code in ("10", "2"):
        unit = make_unit(session, make_building(session, community, code), f"{code}-1-101")
        make_ownership(session, unit, make_owner(session, community, f"{code}号楼业主"))
    run_billing(session, MARCH, community_id=1)
    return community


def start(session, chunk_size=2):
    batch, _new = start_notice_batch(
        session, 1, MARCH, "finance", chunk_size=chunk_size, today=date(2026, 2, 20)
    )
    return batch


def notices(session, batch) -> list[Notice]:
    return session.scalars(
        select(Notice).where(Notice.batch_id == batch.id).order_by(Notice.position)
    ).all()


def rendered(session, batch, chunk) -> list[RenderedNotice]:
    """What a chunk job would record for ``chunk``, without rendering."""
    work = chunk_work(session, batch.id, chunk)
    return [
        RenderedNotice(
            n.notice_id, n.file, 1, notice_context(session, n.bill_id, work.issued_on)["total_due"]
        )
        for n in work.notices
    ]


def test_a_batch_lists_the_live_bills_in_print_order_in_chunks(session, billed):
    batch = start(session)
    units = [(n.unit.code, n.chunk) for n in notices(session, batch)]
    assert units == [("1-1-101", 0), ("1-1-102", 0), ("2-1-101", 1), ("10-1-101", 1)]
    assert (batch.status, batch.chunks, batch.notices, batch.rendered) == ("rendering", 2, 4, 0)
    assert batch.issued_on == date(2026, 2, 20)
    assert batch.job_ids() == ["notices-1-0", "notices-1-1", "notices-1-merge"]
    assert pending_chunks(session, batch.id) == [0, 1]
    assert all(n.owner is not None and n.file is None for n in notices(session, batch))


def test_starting_again_returns_the_same_batch(session, billed):
    first = start(session)
    again, new = start_notice_batch(session, 1, MARCH, "admin")
    assert (again.id, new) == (first.id, False)
    assert session.scalar(select(func.count()).select_from(Notice)) == 4
    assert session.scalar(select(func.count()).select_from(NoticeBatch)) == 1


def test_cancelled_bills_get_no_notice(session, billed):
    bill = session.scalar(select(Bill).where(Bill.unit_id == 1))
    cancel_bill(session, bill.id, "录错面积")
    assert [b.unit.code for b in bills_to_notice(session, 1, MARCH)] == [
        "1-1-102",
        "2-1-101",
        "10-1-101",
    ]


def test_no_batch_without_bills(session, billed):
    with pytest.raises(DomainError) as caught:
        start_notice_batch(session, 1, date(2026, 4, 1), "finance")
    assert "period" in caught.value.messages
    with pytest.raises(NotFoundError):
        start_notice_batch(session, 99, MARCH, "finance")
    assert session.scalar(select(func.count()).select_from(NoticeBatch)) == 0


def test_every_community_with_bills_of_the_month_gets_its_batch(session, billed):
    run_billing(session, MARCH, community_id=2)
    started = start_notice_batches(session, MARCH, None, "cli")
    assert [(b.community.code, b.notices, new) for b, new in started] == [
        ("A", 4, True),
        ("B", 2, True),
    ]
    with pytest.raises(DomainError):
        start_notice_batches(session, date(2026, 5, 1), None, "cli")


def test_a_chunk_carries_its_bills_dated_by_the_batch(session, billed):
    batch = start(session)
    work = chunk_work(session, batch.id, 1)
    assert work.label == "A 2026-03"
    assert work.chunk_file == "notices/A/2026-03/chunks/0001.pdf"
    contexts = [notice_context(session, n.bill_id, work.issued_on) for n in work.notices]
    assert work.issued_on == date(2026, 2, 20)
    assert [c["unit"] for c in contexts] == ["2-1-101", "10-1-101"]
    assert all(c["issued_on"] == date(2026, 2, 20) for c in contexts)
    number = session.scalar(select(Bill.number).where(Bill.unit_id == 1))
    assert chunk_work(session, batch.id, 0).notices[0].file == f"notices/A/2026-03/{number}.pdf"


def test_only_the_last_chunk_recorded_moves_the_batch_to_merging(session, billed):
    batch = start(session)
    second = rendered(session, batch, 1)
    assert record_chunk(session, batch.id, second) is False
    assert (batch.rendered, batch.status) == (2, "rendering")
    assert record_chunk(session, batch.id, second) is False  # recorded again: same rows
    assert batch.rendered == 2
    assert record_chunk(session, batch.id, rendered(session, batch, 0)) is True
    assert (batch.rendered, batch.status) == (4, "merging")
    assert pending_chunks(session, batch.id) == []
    assert record_chunk(session, batch.id, rendered(session, batch, 0)) is False  # only once
    assert session.scalar(select(func.count()).select_from(Notice)) == 4
    assert merge_plan(session, batch.id).chunk_files == [
        "notices/A/2026-03/chunks/0000.pdf",
        "notices/A/2026-03/chunks/0001.pdf",
    ]


def test_a_bill_cancelled_after_the_start_is_dropped_from_the_batch(session, billed):
    batch = start(session)
    cancelled = notices(session, batch)[1].bill
    cancel_bill(session, cancelled.id, "重开")
    work = chunk_work(session, batch.id, 0)
    assert len(work.notices) == 1 and len(work.dropped) == 1
    record_chunk(session, batch.id, rendered(session, batch, 0), work.dropped)
    assert (batch.notices, batch.rendered) == (3, 1)
    assert cancelled.id not in [n.bill_id for n in notices(session, batch)]


def test_finishing_marks_the_bills_noticed_and_writes_one_message_each(
    app, session, billed, monkeypatch
):
    monkeypatch.setitem(app.config, "WUYE_SMTP_HOST", "127.0.0.1")
    consenting = session.get(Owner, 1)
    consenting.e_notice_consent, consenting.email = True, "jia@example.com"
    consenting.preferred_channel = "email"
    batch = start(session, chunk_size=4)
    record_chunk(session, batch.id, rendered(session, batch, 0))

    to_deliver = finish_notice_batch(session, batch.id, "notices/A/2026-03/all.pdf", 4)

    assert (batch.status, batch.pages, batch.merged_file) == (
        "finished",
        4,
        "notices/A/2026-03/all.pdf",
    )
    assert batch.finished_at is not None
    bills = session.scalars(select(Bill).where(Bill.period_start == MARCH)).all()
    assert all(bill.noticed_at == batch.finished_at for bill in bills)
    messages = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [(m.owner_id, m.channel, m.status, m.kind) for m in messages] == [
        (1, "email", "queued", "notice"),
        (2, "letter", "to_print", "notice"),
        (6, "letter", "to_print", "notice"),  # building 2 before building 10
        (5, "letter", "to_print", "notice"),
    ]
    assert to_deliver == [messages[0].id]
    first = notices(session, batch)[0]
    assert (messages[0].attachment, messages[0].related) == (first.file, f"bill:{first.bill_id}")
    assert first.message_id == messages[0].id and first.total_due == Decimal("203.75")
    assert "1-1-101" in messages[0].subject and "203.75" in messages[0].body

    assert finish_notice_batch(session, batch.id, "other.pdf", 9) == []  # finished once
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 4
    noticed = session.scalars(
        select(AuditLog.row_id).where(AuditLog.table_name == "bill", AuditLog.action == "update")
    ).all()
    assert sorted(noticed) == sorted(str(bill.id) for bill in bills)  # audited like any change


def test_chunks_finishing_together_on_postgres_merge_once(app, pg_world_url):
    """The second chunk waits for the first one's lock on the batch, then sees every notice
    rendered: exactly one of them moves the batch to merging."""
    engine = create_engine(pg_world_url)
    with app.app_context(), Session(engine) as setup:
        run_billing(setup, MARCH, community_id=1)
        batch_id = start(setup, chunk_size=1).id
        chunks = [rendered(setup, setup.get(NoticeBatch, batch_id), k) for k in (0, 1)]
        setup.commit()
    first, second = Session(engine), Session(engine)
    assert record_chunk(first, batch_id, chunks[0]) is False  # holds the batch row until commit
    outcome = []
    thread = threading.Thread(
        target=lambda: outcome.append(record_chunk(second, batch_id, chunks[1]))
    )
    thread.start()
    thread.join(1.0)
    assert thread.is_alive(), "the second chunk must wait for the first to commit"
    first.commit()
    thread.join(10)
    second.commit()
    assert outcome == [True]
    with Session(engine) as check:
        batch = check.get(NoticeBatch, batch_id)
        assert (batch.status, batch.rendered, batch.notices) == ("merging", 2, 2)
    first.close()
    second.close()
    engine.dispose()
