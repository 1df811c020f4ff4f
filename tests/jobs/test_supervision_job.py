"""The supervision job (embedded mode): the daily overdue marking, and the previous month's
reports stored once per community and once company-wide, however often the job runs; the
stored reports' screen; the ``wuye report supervision`` command."""

from datetime import UTC, datetime, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from sqlalchemy import select

import jobs
from app.clock import business_date
from app.domain.periods import month_start
from app.models import JobRun, Rectification, SupervisionCheck, SupervisionReport
from jobs import schedule
from jobs.schedule import SCHEDULE, enqueue_due, latest_slot
from jobs.supervision import daily, report_key
from tests.reports import pdf
from tests.supervision import finding, make_check

SUPERVISION = next(entry for entry in SCHEDULE if entry.name == "supervision")
TODAY = business_date()
MONTH = month_start(TODAY)
PERIOD = f"{MONTH:%Y-%m}"
NEXT = MONTH + relativedelta(months=1)  # the day the daily job reports this month

pytestmark = pytest.mark.usefixtures("files_dir")  # each test has its PDFs to itself


@pytest.fixture(autouse=True)
def _settled():
    yield
    assert jobs.wait(), "a job was still running"


def reports(session) -> list[SupervisionReport]:
    session.expire_all()
    query = select(SupervisionReport).order_by(SupervisionReport.scope)
    return session.scalars(query).all()


def report_jobs(session) -> list[str]:
    query = select(JobRun.job_id).where(JobRun.job_id.like("supervision-report-%"))
    return sorted(session.scalars(query))


def test_the_entry_fires_at_seven_business_time_every_day(app):
    with app.app_context():
        slot = latest_slot(SUPERVISION, datetime(2026, 11, 30, 23, 5, tzinfo=UTC))
    assert slot.isoformat() == "2026-12-01T07:00:00+08:00"


def test_the_daily_job_marks_overdue_and_stores_last_months_reports_once(session, files_dir):
    check_id = make_check(session, finding(session, deadline_days=-1), days_ago=3)
    session.execute(Rectification.__table__.update().values(status="open"))
    session.commit()

    assert daily(NEXT.isoformat()) == 1  # the rectification turned overdue by then
    assert jobs.wait(60)
    stored = reports(session)
    assert [(r.scope, r.community_id, r.month) for r in stored] == [
        ("1", 1, MONTH),
        ("2", 2, MONTH),
        ("all", None, MONTH),
    ]
    for report in stored:
        document = (files_dir / report.file).read_bytes()
        assert pdf.page_count(document) == report.pages >= 2
        code = report.community.code if report.community else "ALL"
        assert report.file.endswith(f"JC-{code}-{MONTH:%Y%m}.pdf")
        assert f"JC-{code}-{MONTH:%Y%m}" in pdf.text(document)
    item = session.get(SupervisionCheck, check_id).findings[0].rectification
    assert item.status == "overdue"

    # The days after: nothing is marked again, no report is made twice.
    assert daily((NEXT + timedelta(days=1)).isoformat()) == 0
    assert jobs.wait(60)
    assert [r.id for r in reports(session)] == [r.id for r in stored]
    assert report_jobs(session) == sorted(report_key(PERIOD, c) for c in (1, 2, None))


def test_the_schedule_queues_the_days_slot_once(session, monkeypatch):
    monkeypatch.setattr(schedule, "SCHEDULE", (SUPERVISION,))
    at = datetime(2026, 11, 30, 23, 5, tzinfo=UTC)  # 07:05 on 1 December in Shanghai
    assert enqueue_due(at) == ["supervision-2026-12-01-0700"]
    assert enqueue_due(at) == ["supervision-2026-12-01-0700"]
    assert jobs.wait(60)
    assert (
        session.scalar(select(JobRun.status).where(JobRun.job_id == "supervision-2026-12-01-0700"))
        == "finished"
    )
    assert [(r.scope, f"{r.month:%Y-%m}") for r in reports(session)] == [
        ("1", "2026-11"),
        ("2", "2026-11"),
        ("all", "2026-11"),
    ]


@pytest.fixture
def stored(session):
    daily(NEXT.isoformat())
    assert jobs.wait(60)
    return {report.scope: report.id for report in reports(session)}


@pytest.mark.parametrize(
    ("role", "seen"),
    [("Manager", ["1"]), ("Auditor", ["1", "2", "all"]), ("Admin", ["1", "2", "all"])],
)
def test_the_stored_reports_screen_with_downloads(login, stored, role, seen):
    client = login(role)
    page = client.get("/supervisionreportview/list/").get_data(as_text=True)
    for scope, report_id in stored.items():
        link = f"/supervisionreportview/download/{report_id}"
        assert (link in page) is (scope in seen)
        response = client.get(link)
        body = response.get_data()
        response.close()  # send_file streams an open file
        assert response.status_code == (200 if scope in seen else 404)
        if scope in seen:
            assert pdf.page_count(body) >= 2


@pytest.mark.parametrize("role", ["Finance", "CustomerService", "Collector"])
def test_other_staff_have_no_stored_reports(login, role):
    assert login(role).get("/supervisionreportview/list/").status_code == 403


@pytest.fixture
def report_command(app, tmp_path):
    """``report_command(*options)``: run ``wuye report supervision`` writing ``out.pdf``."""

    def run(*options):
        out = tmp_path / "out.pdf"
        args = ["wuye", "report", "supervision", *options, "--out", str(out)]
        return app.test_cli_runner().invoke(args=args), out

    return run


def test_the_command_writes_the_report(report_command):
    result, out = report_command("--month", PERIOD, "--community", "A")
    assert result.exit_code == 0, result.output
    assert f"report: JC-A-{MONTH:%Y%m}" in result.output
    assert pdf.page_count(out.read_bytes()) >= 2
    assert f"JC-A-{MONTH:%Y%m}" in pdf.text(out.read_bytes())
    whole, out = report_command("--month", PERIOD)
    assert whole.exit_code == 0 and f"JC-ALL-{MONTH:%Y%m}" in whole.output


@pytest.mark.parametrize(
    ("options", "exit_code", "named"),
    [
        (["--month", "2026-13"], 2, "--month"),
        (["--month", PERIOD, "--community", "Z"], 2, "--community"),
        (["--month", f"{TODAY.year + 1}-{TODAY.month:02d}"], 1, "period"),  # not begun
    ],
)
def test_the_command_refuses_bad_options(report_command, options, exit_code, named):
    result, out = report_command(*options)
    assert result.exit_code == exit_code and named in result.output
    assert not out.exists()
