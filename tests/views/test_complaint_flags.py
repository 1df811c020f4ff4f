"""The overdue flags of complaints are computed when read (docs/domain.md §9): a complaint past its
deadlines reads 是 / true on the list, its page, the API and the exports, and filters on them
find it, without the daily check ever running and without any write on a GET.

The clock stands at 10:00 on 20 November 2026 in Shanghai: the late complaint was received ten
days earlier (respond within 24 hours, resolve within 7 days), the fresh one just now.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.models import Complaint, ComplaintEntry
from app.services.complaints import log_complaint

pytestmark = pytest.mark.usefixtures("clock")

API = "/api/v1/complaint/"


@pytest.fixture
def complaints(session) -> tuple[int, int]:
    """(late, fresh), committed; the daily check has never run."""
    now = datetime.now(UTC)
    late = log_complaint(
        session, 1, "phone", "facilities", "门禁坏了十天", received_at=now - timedelta(days=10)
    )
    fresh = log_complaint(session, 2, "phone", "cleaning", "楼道脏", received_at=now)
    session.commit()
    return late.id, fresh.id


def stored(session) -> list[tuple]:
    """Everything a read could have written: the complaints' columns and the log."""
    session.rollback()
    rows = session.scalars(select(Complaint).order_by(Complaint.id)).all()
    columns = [c.key for c in Complaint.__table__.columns]
    entries = session.scalar(select(func.count()).select_from(ComplaintEntry))
    return [tuple(getattr(c, k) for k in columns) for c in rows] + [entries]


def flag_cells(page: str, view: str) -> dict[int, tuple[str, str]]:
    """The two overdue cells of each row of a complaint list, by complaint id."""
    cells = {}
    for row in re.findall(r"<tr>(.*?)</tr>", page, re.S):
        found = re.search(rf'href="/{view}/show/(\d+)"', row)
        if found:
            texts = [
                re.sub(r"<[^>]+>|\s", "", td)
                for td in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
            ]
            cells[int(found.group(1))] = (texts[-3], texts[-2])
    return cells


def test_the_screens_read_the_flags_now(login, session, complaints):
    late, fresh = complaints
    before = stored(session)
    client = login("Manager")
    page = client.get("/complaintview/list/").get_data(as_text=True)
    assert flag_cells(page, "complaintview") == {late: ("是", "是"), fresh: ("否", "否")}
    late_page = client.get(f"/complaintview/show/{late}").get_data(as_text=True)
    assert "label-danger" in late_page and "已逾期" in late_page
    assert "label-danger" not in client.get(f"/complaintview/show/{fresh}").get_data(as_text=True)
    for flag in ("response_overdue", "resolution_overdue"):
        yes = client.get(f"/complaintview/list/?_flt_0_{flag}=y").get_data(as_text=True)
        no = client.get(f"/complaintview/list/?_flt_0_{flag}=n").get_data(as_text=True)
        assert (list(flag_cells(yes, "complaintview")), list(flag_cells(no, "complaintview"))) == (
            [late],
            [fresh],
        )
    overdue = client.get("/overduecomplaintview/list/").get_data(as_text=True)
    assert flag_cells(overdue, "overduecomplaintview") == {late: ("是", "是")}
    export = client.get("/complaintview/export/csv?_flt_0_resolution_overdue=y")
    lines = export.get_data(as_text=True).splitlines()
    assert len(lines) == 2 and lines[1].endswith("是,是,否")  # the late one; not the reason
    assert stored(session) == before  # reading wrote nothing


def test_the_api_reads_the_flags_now(client, api, session, complaints):
    late, fresh = complaints
    before = stored(session)
    headers = api("Auditor")
    got = client.get(f"{API}{late}", headers=headers).json["result"]
    assert (got["response_overdue"], got["resolution_overdue"]) == (True, True)
    listed = client.get(API, headers=headers).json["result"]
    assert {r["id"]: (r["response_overdue"], r["resolution_overdue"]) for r in listed} == {
        late: (True, True),
        fresh: (False, False),
    }
    for value, expected in (("!t", [late]), ("!f", [fresh])):
        query = f"(filters:!((col:response_overdue,opr:eq,value:{value})))"
        rows = client.get(f"{API}?q={query}", headers=headers).json["result"]
        assert [r["id"] for r in rows] == expected
    query = "(filters:!((col:resolution_overdue,opr:eq,value:!t)))"
    export = client.get(f"{API}export/?format=csv&q={query}", headers=headers)
    lines = export.get_data(as_text=True).splitlines()
    assert len(lines) == 2 and "门禁坏了十天" in lines[1] and ",True,True," in lines[1]
    assert stored(session) == before
