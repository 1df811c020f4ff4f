"""Notice batches end to end: a real redis-server and a real burst worker, and embedded mode."""

from datetime import date
from pathlib import Path

import pytest
from rq import Queue
from sqlalchemy import func, select

import jobs
from app.audit import acting_as
from app.domain.money import format_money
from app.extensions import unit_of_work
from app.models import Bill, Community, Notice, NoticeBatch, OutboxMessage, Owner
from app.services import notices as notice_service
from app.services.billing import run_billing
from app.services.notices import start_notice_batch
from jobs.notices import queue_notice_batch, render_notice_chunk, run_notice_batch
from jobs.table import job_status
from tests.factories import make_building, make_owner, make_ownership, make_unit
from tests.reports import pdf

MARCH = date(2026, 3, 1)


pytestmark = pytest.mark.usefixtures("files_dir")  # each test has its PDFs to itself


@pytest.fixture
def billed(session):
    """Community A billed for March 2026: owner 1 takes e-mail, owner 2 did not consent, the
    owner of a third unit consented but has only a phone (an SMS cannot carry a PDF)."""
    community = session.get(Community, 1)
    first = session.get(Owner, 1)
    first.e_notice_consent, first.email, first.preferred_channel = True, "jia@example.com", "email"
    unit = make_unit(session, make_building(session, community, "2"), "2-1-101")
    make_ownership(session, unit, make_owner(session, community, "A业主丙", e_notice_consent=True))
    run_billing(session, MARCH, community_id=1)
    session.commit()
    return community


def files(app) -> Path:
    return Path(app.config["WUYE_FILES_DIR"])


def batch_of(session) -> NoticeBatch:
    session.expire_all()
    return session.scalars(select(NoticeBatch)).one()


def start(session, chunk_size=2) -> int:
    batch, _new = start_notice_batch(session, 1, MARCH, "test", chunk_size=chunk_size)
    session.commit()
    return batch.id


def test_a_notice_batch_end_to_end_in_a_worker(
    app, session, billed, redis, work, job_row, smtp, monkeypatch
):
    monkeypatch.setattr(notice_service, "CHUNK_SIZE", 2)
    result = app.test_cli_runner().invoke(args=["wuye", "notices", "--period", "2026-03"])
    assert result.exit_code == 0, result.output
    assert "batch: 1  A 2026-03  notices: 3" in result.output
    assert "jobs: notices-1-0 notices-1-1" in result.output  # queued, not waited for
    assert Queue("documents", connection=redis).job_ids == ["notices-1-0", "notices-1-1"]

    work()

    batch = batch_of(session)
    assert (batch.state(), batch.progress(), batch.pages) == ("finished", "3 / 3", 3)
    assert [job_row(j).status for j in batch.job_ids()] == ["finished"] * 3
    merged = (files(app) / batch.merged_file).read_bytes()
    assert batch.merged_file == "notices/A/2026-03/notices-A-2026-03.pdf"
    assert pdf.page_count(merged) == 3
    text = pdf.text(merged)
    notices = session.scalars(select(Notice).order_by(Notice.position)).all()
    assert [n.unit.code for n in notices] == ["1-1-101", "1-1-102", "2-1-101"]
    for notice in notices:
        assert notice.owner.name in text and format_money(notice.total_due) in text
        alone = (files(app) / notice.file).read_bytes()
        assert pdf.page_count(alone) == notice.pages == 1
        assert notice.owner.name in pdf.text(alone) and notice.bill.number in pdf.text(alone)
        others = {n.owner.name for n in notices} - {notice.owner.name}
        assert not any(name in pdf.text(alone) for name in others)
    assert all(bill.noticed_at is not None for bill in session.scalars(select(Bill)))

    messages = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [(m.owner.name, m.channel, m.status) for m in messages] == [
        ("A业主甲", "email", "sent"),  # delivered by the same burst worker
        ("A业主乙", "letter", "to_print"),
        ("A业主丙", "letter", "to_print"),
    ]
    [(recipients, email)] = smtp.messages
    assert recipients == ["jia@example.com"]
    [attachment] = email.iter_attachments()
    assert attachment.get_content() == (files(app) / notices[0].file).read_bytes()


def test_embedded_mode_waits_and_prints_the_files(app, session, billed):
    result = app.test_cli_runner().invoke(
        args=["wuye", "notices", "--period", "2026-03", "--community", "A"]
    )
    assert result.exit_code == 0, result.output
    batch = batch_of(session)
    assert batch.state() == "finished"
    root = files(app).resolve()
    assert f"merged: {root / batch.merged_file}" in result.output
    for notice in session.scalars(select(Notice)):
        assert f"{notice.unit.code}: {root / notice.file}" in result.output
    assert pdf.page_count((root / batch.merged_file).read_bytes()) == 3


def notice_files(app) -> list[str]:
    folder = files(app) / "notices" / "A" / "2026-03"
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def counts(session) -> tuple[int, int, int]:
    return tuple(
        session.scalar(select(func.count()).select_from(table))
        for table in (NoticeBatch, Notice, OutboxMessage)
    )


def test_starting_twice_and_running_a_chunk_again_duplicate_nothing(app, session, billed):
    cli = app.test_cli_runner()
    assert cli.invoke(args=["wuye", "notices", "--period", "2026-03"]).exit_code == 0
    before = notice_files(app), counts(session)
    assert len(before[0]) == 3 + 1 + 1  # per unit, merged, the one chunk

    again = cli.invoke(args=["wuye", "notices", "--period", "2026-03"])
    assert "(started before)" in again.output and "jobs: -" in again.output
    with acting_as("test"):
        assert render_notice_chunk(batch_of(session).id, 0) == 3

    assert (notice_files(app), counts(session)) == before == (before[0], (1, 3, 3))
    assert batch_of(session).state() == "finished"


def test_a_failed_chunk_fails_the_batch_until_it_is_retried(app, session, billed, job_row):
    batch_id = start(session, chunk_size=1)
    blocker = files(app) / "notices" / "A" / "2026-03" / "chunks" / "0001.pdf"
    blocker.mkdir(parents=True)  # the chunk's file cannot be written

    run_notice_batch(batch_id)
    assert jobs.wait()

    assert job_row("notices-1-1").status == "failed"
    assert "IsADirectoryError" in job_row("notices-1-1").error
    assert job_row("notices-1-0").status == job_row("notices-1-2").status == "finished"
    assert job_row("notices-1-merge") is None
    batch = batch_of(session)
    assert (batch.state(), batch.failure().job_id, batch.progress()) == (
        "failed",
        "notices-1-1",
        "2 / 3",
    )

    blocker.rmdir()
    assert run_notice_batch(batch_id) == ["notices-1-1"]  # the failed chunk, run again
    assert jobs.wait()
    batch = batch_of(session)
    assert (batch.state(), batch.progress(), job_row("notices-1-1").attempts) == (
        "finished",
        "3 / 3",
        1,
    )
    assert pdf.page_count((files(app) / batch.merged_file).read_bytes()) == 3


def test_a_new_batchs_jobs_are_committed_with_it_or_not_at_all(app, session, billed, job_row):
    with pytest.raises(RuntimeError), unit_of_work() as work:
        batch, _new = start_notice_batch(work, 1, MARCH, "test", chunk_size=2)
        assert queue_notice_batch(work, batch.id) == ["notices-1-0", "notices-1-1"]
        raise RuntimeError("the request fails before its commit")
    assert counts(session) == (0, 0, 0) and job_row("notices-1-0") is None

    with unit_of_work() as work:
        batch, _new = start_notice_batch(work, 1, MARCH, "test", chunk_size=2)
        queue_notice_batch(work, batch.id)
        assert job_status(work, "notices-1-0") == "queued"
        assert jobs.wait(1)  # but not handed to a worker before the commit
    assert jobs.wait()
    assert batch_of(session).state() == "finished"
    assert [job_row(f"notices-1-{n}").attempts for n in (0, 1, "merge")] == [1, 1, 1]
