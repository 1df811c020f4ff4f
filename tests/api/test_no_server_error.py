"""Hostile input answers 4xx with a JSON message and writes nothing (tests/hostile.py)."""

import pytest
from sqlalchemy import func, select

from app.models import AuditLog, Owner, Payment
from tests.hostile import PROBES
from tests.views.test_forms import flashes


@pytest.mark.parametrize(("method", "path", "body"), PROBES)
def test_hostile_input_is_a_4xx_with_a_message(client, api, session, method, path, body):
    response = client.open(path, method=method, json=body, headers=api("Admin"))
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)[:300]
    assert response.json["message"]
    session.rollback()
    assert session.scalar(select(func.count(Payment.id))) == 0
    assert (
        session.scalar(select(func.count(AuditLog.id)).where(AuditLog.table_name == "payment")) == 0
    )


def test_a_screens_row_id_past_the_database_is_404(login):
    assert login("Finance").get(f"/billview/show/{2**63}").status_code == 404


def test_a_lone_surrogate_or_a_nul_is_refused_naming_the_field(client, api, session):
    body = '{"unit_id": 1, "amount": "1", "method": "cash", "reference": "\\ud800x"}'
    response = client.post(
        "/api/v1/payment/", data=body, content_type="application/json", headers=api("Finance")
    )
    assert response.status_code == 400 and list(response.json["message"]) == ["reference"]
    response = client.get(
        "/api/v1/bill/?q=(filters:!((col:number,opr:ct,value:'a%00b')))", headers=api("Finance")
    )
    assert response.status_code == 400 and list(response.json["message"]) == ["q"]
    session.rollback()
    assert session.scalar(select(func.count(Payment.id))) == 0


def test_a_form_with_a_nul_goes_back_with_a_message_and_writes_nothing(login, session):
    client = login("CustomerService")
    before = session.scalar(select(func.count(Owner.id)))
    response = client.post("/ownerview/add", data={"name": "张\x00三", "phone": "13800000000"})
    assert response.status_code == 302 and response.headers["Location"] == "/ownerview/add"
    assert "NUL" in flashes(client.get("/ownerview/add"))
    session.rollback()
    assert session.scalar(select(func.count(Owner.id))) == before


def test_fabs_file_download_route_is_gone(login):
    client = login("Admin")
    assert client.get("/billview/download/x.pdf").status_code == 404
    assert client.get("/users/download/x.pdf").status_code == 404


@pytest.mark.parametrize("token", ["garbage", "a.b.c", "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0."])
def test_an_invalid_or_forged_token_is_401(client, token):
    response = client.get("/api/v1/bill/", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401 and response.json["message"]


def test_a_multipart_part_without_a_name_is_not_a_server_error(client, api):
    body = (
        b"--b\r\nContent-Disposition: form-data\r\n\r\nx\x00y\r\n"
        b'--b\r\nContent-Disposition: form-data; name="note"\r\n\r\nok\r\n--b--\r\n'
    )
    response = client.post(
        "/api/v1/installment/1/scan",
        data=body,
        headers=api("Admin"),
        content_type="multipart/form-data; boundary=b",
    )
    assert 400 <= response.status_code < 500 and response.json["message"]


def test_a_fields_info_has_no_catalogue_header_for_a_missing_description(client, api):
    info = client.get("/api/v1/owner/_info", headers=api("Admin")).json
    descriptions = {c["name"]: c["description"] for c in info["add_columns"]}
    assert descriptions and not any("Project-Id-Version" in d for d in descriptions.values())


def test_a_screen_action_reads_its_rows_through_the_scope(login):
    finance = login("Finance")  # assigned to community A: units 1 and 2
    assert finance.post("/unitview/action/statement/1").status_code == 302
    assert finance.post("/unitview/action/statement/3").status_code == 404  # community B
    assert (
        finance.post(
            "/unitview/action_post", data={"action": "statement", "rowid": ["1", "3"]}
        ).status_code
        == 404
    )
    assert login("Admin").post("/jobrunview/action/retry/999").status_code == 404
    assert login("Admin").post("/jobrunview/action/retry/x").status_code == 404
