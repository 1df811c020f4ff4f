"""Notice batch screens: the start form, progress, downloads, retry, permissions and scope."""

import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

import jobs
from app.models import Notice, NoticeBatch
from app.services.billing import run_billing
from app.services.notices import start_notice_batch
from jobs.notices import run_notice_batch
from tests.reports import pdf

MARCH = date(2026, 3, 1)


pytestmark = pytest.mark.usefixtures("files_dir")  # each test has its PDFs to itself


@pytest.fixture
def billed(session):
    """Communities A and B billed for March 2026 (two units each)."""
    for community_id in (1, 2):
        run_billing(session, MARCH, community_id=community_id)
    session.commit()


def started(session, community_id=1, chunk_size=None) -> int:
    batch, _new = start_notice_batch(session, community_id, MARCH, "test", chunk_size=chunk_size)
    session.commit()
    return batch.id


def text(page) -> str:
    return page.get_data(as_text=True)


def download(client, path: str):
    """The response of a download, read whole and closed (send_file streams an open file)."""
    response = client.get(path)
    response.get_data()
    response.close()
    return response


def test_finance_starts_a_batch_follows_it_and_downloads_the_pdfs(login, session, billed):
    client = login("Finance")
    form = text(client.get("/noticebatchformview/start"))
    assert "安居小区" in form and "碧园小区" not in form  # community B is not Finance's

    response = client.post(
        "/noticebatchformview/start", data={"period": "2026-03", "community": "1"}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/noticebatchview/show/1")
    assert jobs.wait()

    listing = text(client.get("/noticebatchview/list/"))
    assert "2 / 2" in listing and 'http-equiv="refresh"' not in listing
    assert "/noticebatchview/merged/1" in listing
    page = text(client.get("/noticebatchview/show/1"))
    assert "/noticebatchview/merged/1" in page and 'http-equiv="refresh"' not in page
    merged = download(client, "/noticebatchview/merged/1")
    assert (merged.status_code, merged.mimetype) == (200, "application/pdf")
    assert pdf.page_count(merged.data) == 2

    notices = session.scalars(select(Notice).order_by(Notice.position)).all()
    for notice in notices:
        assert f"/noticeview/download/{notice.id}" in page  # the batch's notices, listed
        one = download(client, f"/noticeview/download/{notice.id}")
        assert one.headers["Content-Disposition"].endswith(f"{notice.bill.number}.pdf")
        assert notice.owner.name in pdf.text(one.data)

    again = client.post("/noticebatchformview/start", data={"period": "2026-03", "community": "1"})
    assert again.headers["Location"].endswith("/noticebatchview/show/1")  # the same batch
    assert len(session.scalars(select(NoticeBatch)).all()) == 1


def test_progress_is_shown_and_the_pages_refresh_while_rendering(login, session, billed):
    batch_id = started(session)  # no job has run yet
    client = login("Manager")
    listing = text(client.get("/noticebatchview/list/"))
    assert "0 / 2" in listing and 'http-equiv="refresh" content="5"' in listing
    page = text(client.get(f"/noticebatchview/show/{batch_id}"))
    assert 'id="notice_batch_progress"' in page and 'style="width: 0%"' in page
    assert 'http-equiv="refresh"' in page
    assert f"/noticebatchview/merged/{batch_id}" not in page


def test_a_failed_batch_shows_why_and_finance_retries_it(app, login, session, billed):
    batch_id = started(session, chunk_size=1)
    blocker = Path(app.config["WUYE_FILES_DIR"]) / "notices/A/2026-03/chunks/0001.pdf"
    blocker.mkdir(parents=True)
    run_notice_batch(batch_id)
    assert jobs.wait()

    client = login("Finance")
    page = text(client.get(f"/noticebatchview/show/{batch_id}"))
    assert "IsADirectoryError" in page and "progress-bar-danger" in page
    assert 'http-equiv="refresh"' not in page  # a failed batch does not move on its own
    assert f"/noticebatchview/action/resume/{batch_id}" in page  # 重试 is offered

    blocker.rmdir()
    client.post(f"/noticebatchview/action/resume/{batch_id}")
    assert jobs.wait()
    session.expire_all()
    assert session.get(NoticeBatch, batch_id).state() == "finished"
    finished = text(client.get(f"/noticebatchview/show/{batch_id}"))
    assert f"/noticebatchview/action/resume/{batch_id}" not in finished  # nor once finished
    done = text(client.post(f"/noticebatchview/action/resume/{batch_id}", follow_redirects=True))
    assert re.search(r"alert-warning", done)  # nothing left to retry


@pytest.mark.parametrize(
    ("role", "listing", "form"),
    [
        ("Finance", 200, 200),
        ("Admin", 200, 200),
        ("Manager", 200, 403),
        ("CustomerService", 200, 403),
        ("Auditor", 200, 403),
        ("Collector", 403, 403),
    ],
)
def test_who_may_read_and_who_may_start(login, billed, role, listing, form):
    client = login(role)
    assert client.get("/noticebatchview/list/").status_code == listing
    assert client.get("/noticebatchformview/start").status_code == form


def test_batches_of_other_communities_are_not_found(login, session, billed):
    batch_id = started(session, community_id=2)
    run_notice_batch(batch_id)
    assert jobs.wait()
    notice_id = session.scalars(select(Notice.id)).first()

    finance = login("Finance")  # community A only
    assert "碧园小区" not in text(finance.get("/noticebatchview/list/"))
    for path in (
        f"/noticebatchview/show/{batch_id}",
        f"/noticebatchview/merged/{batch_id}",
        f"/noticeview/download/{notice_id}",
    ):
        assert finance.get(path).status_code == 404, path
    assert finance.post(f"/noticebatchview/action/resume/{batch_id}").status_code == 404
    refused = finance.post(
        "/noticebatchformview/start", data={"period": "2026-03", "community": "2"}
    )
    assert refused.status_code == 200  # the form again: B is not a choice
    assert len(session.scalars(select(NoticeBatch)).all()) == 1

    auditor = login("Auditor")  # every community
    assert download(auditor, f"/noticebatchview/merged/{batch_id}").status_code == 200
    assert login("Collector").get(f"/noticeview/download/{notice_id}").status_code == 403
