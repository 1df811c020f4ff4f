"""Exports: filtered, masked, audited; CSV opens in Excel (BOM), XLSX is a real workbook."""

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.models import AuditLog


def rows_of_csv(response) -> list[list[str]]:
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_an_auditor_exports_owners_masked_and_the_export_is_recorded(client, api, session):
    response = client.get("/api/v1/export/owner?format=csv", headers=api("Auditor"))
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == "attachment; filename=owner.csv"
    header, *rows = rows_of_csv(response)
    assert "电话" in header and "身份证号" in header
    assert {row[header.index("名称")] for row in rows} == {"A业主甲", "A业主乙", "B业主甲",
                                                          "B业主乙"}
    assert {row[header.index("电话")] for row in rows} == {"138****5678", "139****5679"}
    assert "13812345678" not in response.get_data(as_text=True)
    entry = session.scalars(select(AuditLog).order_by(AuditLog.id.desc())).first()
    assert (entry.action, entry.table_name, entry.username) == ("export", "owner", "auditor")
    assert entry.changes == {"format": "csv", "filters": [], "masked": True}


def test_an_admin_export_is_unmasked(client, api):
    header, *rows = rows_of_csv(client.get("/api/v1/export/owner", headers=api("Admin")))
    assert "13812345678" in {row[header.index("电话")] for row in rows}


def test_the_list_filters_apply(client, api):
    query = "(filters:!((col:code,opr:eq,value:'1-1-101')))"
    header, *rows = rows_of_csv(client.get(f"/api/v1/export/unit?format=csv&q={query}",
                                           headers=api("Auditor")))
    assert [row[header.index("编号")] for row in rows] == ["1-1-101", "1-1-101"]


def test_xlsx_is_a_workbook_with_the_same_rows(client, api):
    with client.get("/api/v1/export/unit?format=xlsx", headers=api("Auditor")) as response:
        workbook = load_workbook(io.BytesIO(response.get_data()), read_only=True)
    values = list(workbook.active.iter_rows(values_only=True))
    workbook.close()
    assert len(values) == 1 + 4
    assert "81.50" in values[1]  # money and areas stay exact decimal strings


@pytest.mark.parametrize("role", ["Manager", "Finance", "CustomerService", "Collector"])
def test_only_roles_with_can_export_may_export(client, api, role):
    assert client.get("/api/v1/export/unit", headers=api(role)).status_code == 403


def test_unknown_resource_and_format(client, api):
    assert client.get("/api/v1/export/nothing", headers=api("Auditor")).status_code == 404
    response = client.get("/api/v1/export/unit?format=pdf", headers=api("Auditor"))
    assert response.status_code == 400 and "format" in response.json["message"]
