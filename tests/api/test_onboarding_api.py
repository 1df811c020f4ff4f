"""``POST /api/v1/onboarding/import`` (docs/domain.md §14): Admin's only; the report either way,
written only with ``commit`` and no problem."""

import io

from sqlalchemy import func, select

from app.models import Unit
from tests.services.test_onboarding import OWNERS, UNITS, workbook

URL = "/api/v1/onboarding/import"


def post(client, headers, data: bytes, **form):
    body = {"file": (io.BytesIO(data), "moving-in.xlsx"), **form}
    return client.post(URL, data=body, headers=headers, content_type="multipart/form-data")


def units(session) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(Unit))


def test_a_check_then_a_commit(client, api, session):
    before = units(session)
    data = workbook(units=UNITS, owners=OWNERS)
    checked = post(client, api("Admin"), data)
    assert checked.status_code == 200, checked.json
    assert checked.json["changes"]["created units"] == 3 and checked.json["written"] is False
    assert units(session) == before
    written = post(client, api("Admin"), data, commit="true")
    assert written.json["written"] is True and units(session) == before + 3


def test_problems_come_by_sheet_row_and_column_in_the_asked_language(client, api, session):
    bad = [["A", "2", "2-1-101", "王小明", "1380000111", None, "2025-01-01"]]
    headers = {**api("Admin"), "Accept-Language": "zh-CN"}
    answer = post(client, headers, workbook(units=UNITS, owners=bad), commit="true")
    assert answer.json["written"] is False
    assert {
        "sheet": "业主 [owners]",
        "row": 2,
        "column": "手机 [phone]",
        "message": "不是 11 位手机号码",
        "code": "not an 11-digit mobile number",
    } in answer.json["problems"]


def test_only_the_administrator_moves_a_company_in(client, api):
    for role in ("Manager", "Finance", "Auditor"):
        assert post(client, api(role), workbook(units=UNITS)).status_code == 403, role


def test_no_file_names_the_field(client, api):
    answer = client.post(URL, data={}, headers=api("Admin"), content_type="multipart/form-data")
    assert answer.status_code == 400 and "file" in answer.json["message"]
