"""Exports from the screens: every list's buttons, its filters and order, masking, the audit."""

import csv
import io
from datetime import date

import pytest
from flask import url_for
from openpyxl import load_workbook
from sqlalchemy import select

from app.models import AuditLog, Owner
from app.services.billing import run_billing
from app.views.base import WuyeModelView

BUTTONS = 'id="list_exports"'


def rows_of_csv(response) -> list[list[str]]:
    assert response.status_code == 200
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def last_audit(session) -> AuditLog:
    return session.scalars(select(AuditLog).order_by(AuditLog.id.desc())).first()


def test_the_auditor_sees_the_buttons_carrying_the_filters(login):
    page = login("Auditor").get("/ownerview/list/?_flt_0_name=A").get_data(as_text=True)
    assert BUTTONS in page
    assert 'href="/ownerview/export/csv?_flt_0_name=A"' in page
    assert 'href="/ownerview/export/xlsx?_flt_0_name=A"' in page


def test_a_screen_csv_is_filtered_ordered_masked_and_audited(login, session):
    client = login("Auditor")
    response = client.get(
        "/ownerview/export/csv?_flt_0_name=A&_oc_OwnerView=name&_od_OwnerView=desc"
    )
    header, *rows = rows_of_csv(response)
    assert response.headers["Content-Disposition"] == "attachment; filename=owner.csv"
    assert header == ["名称", "小区", "电话", "客户类型", "首选联系方式"]
    assert rows == [
        ["A业主甲", "A 安居小区", "138****5678", "业主", "短信"],  # 甲 U+7532
        ["A业主乙", "A 安居小区", "139****5679", "业主", "短信"],
    ]  # 乙 U+4E59
    entry = last_audit(session)
    assert (entry.action, entry.table_name, entry.username) == ("export", "owner", "auditor")
    assert entry.changes == {
        "format": "csv",
        "masked": True,
        "rows": 2,
        "filters": [{"col": "name", "opr": "sw", "value": "A"}],
    }


def test_a_screen_xlsx_round_trips_chinese_masked(login):
    with login("Manager").get("/ownerview/export/xlsx") as response:
        assert response.status_code == 200
        workbook = load_workbook(io.BytesIO(response.get_data()), read_only=True)
    header, *rows = workbook.active.iter_rows(values_only=True)
    workbook.close()
    assert header[0] == "名称"
    assert sorted(rows) == [
        ("A业主乙", "A 安居小区", "139****5679", "业主", "短信"),
        ("A业主甲", "A 安居小区", "138****5678", "业主", "短信"),
    ]


def test_an_admin_screen_export_is_unmasked(login, session):
    header, *rows = rows_of_csv(login("Admin").get("/ownerview/export/csv"))
    assert "13812345678" in {row[header.index("电话")] for row in rows}
    assert last_audit(session).changes["masked"] is False


@pytest.mark.parametrize("role", ["Finance", "CustomerService", "Collector"])
def test_roles_without_can_export_see_no_buttons_and_are_refused(login, role):
    client = login(role)
    assert BUTTONS not in client.get("/ownerview/list/").get_data(as_text=True)
    assert client.get("/ownerview/export/csv").status_code == 403


def test_an_auditor_exports_but_changes_nothing_on_screens(login, session):
    client = login("Auditor")
    assert client.get("/ownerview/add").status_code == 403
    assert client.post("/ownerview/add", data={"name": "王五"}).status_code == 403
    assert client.post("/ownerview/edit/1", data={"name": "改名"}).status_code == 403
    assert client.get("/ownerview/delete/1").status_code == 403
    assert client.get("/ownerview/export/csv").status_code == 200
    assert session.get(Owner, 1).name == "A业主甲"


def test_an_unknown_format_is_not_found(login):
    assert login("Auditor").get("/ownerview/export/pdf").status_code == 404


def test_every_list_the_auditor_reads_exports(app, login):
    """Each list screen — today's and those added later — exports what it lists."""
    client = login("Auditor")
    with app.test_request_context():
        views = [
            (
                type(v).__name__,
                url_for(f"{type(v).__name__}.list"),
                url_for(f"{type(v).__name__}.export", fmt="csv"),
                len(v.list_columns),
            )
            for v in app.appbuilder.baseviews
            if isinstance(v, WuyeModelView)
            and (v.include_route_methods is None or "export" in v.include_route_methods)
        ]
    assert len(views) > 20
    for name, list_url, export_url, columns in views:
        listed = client.get(list_url)
        if listed.status_code == 403:
            assert client.get(export_url).status_code == 403, name
            continue
        assert BUTTONS in listed.get_data(as_text=True), name
        header, *_ = rows_of_csv(client.get(export_url))
        assert len(header) == columns, name


@pytest.fixture
def billed(session):
    for month in (1, 2):
        run_billing(session, date(2026, month, 1))
    session.commit()


def test_the_arrears_list_exports_under_its_filters(login, session, billed):
    client = login("Auditor")
    page = client.get("/arrears/?as_of=2026-03-31&community_id=2").get_data(as_text=True)
    assert 'href="/arrears/export/csv?as_of=2026-03-31&amp;community_id=2"' in page
    header, *rows = rows_of_csv(client.get("/arrears/export/csv?as_of=2026-03-31&community_id=2"))
    assert header[:3] == ["小区", "房屋", "业主"]
    assert {row[2] for row in rows} == {"B业主甲", "B业主乙"}
    entry = last_audit(session)
    assert (entry.action, entry.table_name) == ("export", "arrears")
    assert entry.changes == {
        "format": "csv",
        "rows": 2,
        "filters": {"as_of": "2026-03-31", "community_id": "2"},
    }
    with client.get("/arrears/warning/export/xlsx?as_of=2026-02-28") as response:
        workbook = load_workbook(io.BytesIO(response.get_data()), read_only=True)
    header, *rows = workbook.active.iter_rows(values_only=True)
    workbook.close()
    assert "A-202601-1" in {row[3] for row in rows}
    assert client.get("/arrears/export/csv?as_of=yesterday").status_code == 400


def test_finance_reads_the_arrears_but_does_not_export_them(login, billed):
    client = login("Finance")
    assert BUTTONS not in client.get("/arrears/").get_data(as_text=True)
    assert client.get("/arrears/export/csv").status_code == 403
