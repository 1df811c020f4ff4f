"""API exports: filtered, masked, audited; CSV opens in Excel (BOM), XLSX is a real workbook."""

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app import exports
from app.models import AuditLog, Owner

OWNERS = {"A业主甲", "A业主乙", "B业主甲", "B业主乙"}


def rows_of_csv(response) -> list[list[str]]:
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def rows_of_xlsx(response) -> list[tuple]:
    workbook = load_workbook(io.BytesIO(response.get_data()), read_only=True)
    values = list(workbook.active.iter_rows(values_only=True))
    workbook.close()
    return values


def last_audit(session) -> AuditLog:
    return session.scalars(select(AuditLog).order_by(AuditLog.id.desc())).first()


def test_an_auditor_exports_owners_masked_and_the_export_is_recorded(client, api, session):
    response = client.get("/api/v1/export/owner?format=csv", headers=api("Auditor"))
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == "attachment; filename=owner.csv"
    header, *rows = rows_of_csv(response)
    assert "电话" in header and "身份证号" in header
    assert {row[header.index("名称")] for row in rows} == OWNERS
    assert {row[header.index("电话")] for row in rows} == {"138****5678", "139****5679"}
    assert "13812345678" not in response.get_data(as_text=True)
    entry = last_audit(session)
    assert (entry.action, entry.table_name, entry.username) == ("export", "owner", "auditor")
    assert entry.changes == {"format": "csv", "filters": [], "masked": True, "rows": 4}


def test_chinese_text_round_trips_through_xlsx_masked(client, api):
    with client.get("/api/v1/export/owner?format=xlsx", headers=api("Manager")) as response:
        header, *rows = rows_of_xlsx(response)
    assert response.headers["Content-Disposition"] == "attachment; filename=owner.xlsx"
    assert {row[header.index("名称")] for row in rows} == {"A业主甲", "A业主乙"}  # its community
    assert {row[header.index("电话")] for row in rows} == {"138****5678", "139****5679"}


def test_an_admin_export_is_unmasked_and_says_so(client, api, session):
    header, *rows = rows_of_csv(client.get("/api/v1/export/owner", headers=api("Admin")))
    assert "13812345678" in {row[header.index("电话")] for row in rows}
    assert last_audit(session).changes["masked"] is False


def test_the_list_filters_and_order_apply_and_are_recorded(client, api, session):
    query = "(filters:!((col:code,opr:eq,value:'1-1-101')),order_column:id,order_direction:desc)"
    header, *rows = rows_of_csv(
        client.get(f"/api/v1/export/unit?format=csv&q={query}", headers=api("Auditor"))
    )
    assert [row[header.index("编号")] for row in rows] == ["1-1-101", "1-1-101"]
    assert [row[0] for row in rows] == ["3", "1"]  # the id, highest first
    assert last_audit(session).changes["filters"] == [
        {"col": "code", "opr": "eq", "value": "1-1-101"}
    ]
    assert last_audit(session).changes["rows"] == 2


def test_xlsx_is_a_workbook_with_the_same_rows(client, api):
    with client.get("/api/v1/export/unit?format=xlsx", headers=api("Auditor")) as response:
        values = rows_of_xlsx(response)
    assert len(values) == 1 + 4
    assert "81.50" in values[1]  # money and areas stay exact decimal strings


def test_text_a_spreadsheet_would_run_is_written_as_text(client, api, session):
    session.get(Owner, 1).name = '=HYPERLINK("http://x")'
    session.get(Owner, 2).notes = "-5 元"
    session.commit()
    query = "(filters:!((col:community,opr:rel_o_m,value:1)))"
    header, *rows = rows_of_csv(
        client.get(f"/api/v1/export/owner?q={query}", headers=api("Auditor"))
    )
    names = {row[header.index("名称")] for row in rows}
    assert names == {'\'=HYPERLINK("http://x")', "A业主乙"}
    assert {row[header.index("备注")] for row in rows} == {"", "'-5 元"}
    with client.get(
        f"/api/v1/export/owner?format=xlsx&q={query}", headers=api("Auditor")
    ) as response:
        workbook = load_workbook(io.BytesIO(response.get_data()))
    cells = [c for row in workbook.active.iter_rows() for c in row]
    workbook.close()
    assert '=HYPERLINK("http://x")' in [c.value for c in cells]
    assert not [c for c in cells if c.data_type == "f"]  # a string, not a formula


@pytest.mark.parametrize("role", ["Finance", "CustomerService", "Collector"])
def test_only_roles_with_can_export_may_export(client, api, role):
    assert client.get("/api/v1/export/unit", headers=api(role)).status_code == 403


def test_an_auditor_exports_but_changes_nothing(client, api, session):
    headers = api("Auditor")
    assert client.get("/api/v1/export/owner", headers=headers).status_code == 200
    assert (
        client.post(
            "/api/v1/owner/", json={"community": 1, "name": "王五"}, headers=headers
        ).status_code
        == 403
    )
    assert client.put("/api/v1/owner/1", json={"name": "改名"}, headers=headers).status_code == 403
    assert client.delete("/api/v1/owner/1", headers=headers).status_code == 403
    assert session.get(Owner, 1).name == "A业主甲"


def test_unknown_resource_format_and_order(client, api):
    assert client.get("/api/v1/export/nothing", headers=api("Auditor")).status_code == 404
    response = client.get("/api/v1/export/unit?format=pdf", headers=api("Auditor"))
    assert response.status_code == 400 and "format" in response.json["message"]
    response = client.get(
        "/api/v1/export/unit?q=(order_column:nope,order_direction:asc)", headers=api("Auditor")
    )
    assert response.status_code == 400 and "order_column" in response.json["message"]


def test_rows_beyond_a_sheet_continue_on_the_next(monkeypatch):
    monkeypatch.setattr(exports, "SHEET_ROWS", 3)  # Excel's is 1,048,576, header included
    with exports.xlsx_file(["名称"], [["甲"], ["乙"], ["丙"]], "owner") as handle:
        workbook = load_workbook(handle, read_only=True)
        sheets = {s.title: list(s.iter_rows(values_only=True)) for s in workbook.worksheets}
        workbook.close()
    assert sheets == {"owner": [("名称",), ("甲",), ("乙",)], "owner (2)": [("名称",), ("丙",)]}


def test_streamed_exports_hold_no_connection_and_are_bounded(app, client, api, monkeypatch):
    """A CSV stream reads through a session of its own, closed with the response (the client
    read it all, or went away); past WUYE_EXPORT_SLOTS, an export answers 503 "try again"."""
    from app.extensions import db

    monkeypatch.setitem(app.config, "WUYE_EXPORT_SLOTS", 2)
    app.extensions.pop("wuye_export_slots", None)
    headers = api("Auditor")
    with app.app_context():
        pool = db.engine.pool
    opened = [
        client.get("/api/v1/export/owner?format=csv", headers=headers, buffered=False)
        for _ in range(2)
    ]
    assert [r.status_code for r in opened] == [200, 200]
    next(opened[0].response)  # one client started reading, the other not yet
    refused = client.get("/api/v1/export/owner?format=csv", headers=headers)
    assert refused.status_code == 503 and refused.headers["Retry-After"] == "30"
    assert refused.json["message"] == "其他导出正在进行，请一分钟后再试。"
    assert client.get("/api/v1/owner/", headers=headers).status_code == 200  # the rest goes on

    for response in opened:  # the clients go away mid-stream
        response.close()
    assert pool.checkedout() == 0
    again = client.get("/api/v1/export/owner?format=csv", headers=headers)
    assert again.status_code == 200 and len(rows_of_csv(again)) == 1 + len(OWNERS)
    assert pool.checkedout() == 0
    app.extensions.pop("wuye_export_slots", None)


def test_a_busy_screen_export_says_so_on_the_list(app, login, monkeypatch):
    monkeypatch.setitem(app.config, "WUYE_EXPORT_SLOTS", 1)
    app.extensions.pop("wuye_export_slots", None)
    client = login("Auditor")
    held = client.get("/ownerview/export/csv", buffered=False)
    assert held.status_code == 200
    busy = client.get(
        "/ownerview/export/csv", headers={"Referer": "/ownerview/list/"}, follow_redirects=True
    )
    assert "其他导出正在进行" in busy.get_data(as_text=True)
    held.close()
    app.extensions.pop("wuye_export_slots", None)
