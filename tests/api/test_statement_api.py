"""``POST /api/v1/statement/import`` for integrations, the assign operation, and the read-only
statement resources."""

import io

import pytest
from sqlalchemy import func, select

from app.models import PayerAccount, StatementEntry

HEADER = "date,amount,reference,method,payer_name,payer_account,remark\n"
GOOD = (HEADER + "2026-03-10,203.75,BT1,bank_transfer,张伟,6222000011115555,三月物业费\n").encode()
BAD = (HEADER + "2026-03-10,1.234,BT2,bank_transfer,张伟,,物业费\n").encode()


def post_file(client, headers, data: bytes, **form):
    return client.post(
        "/api/v1/statement/import",
        headers=headers,
        data={"file": (io.BytesIO(data), "march.csv"), **form},
        content_type="multipart/form-data",
    )


def test_an_integration_imports_a_statement_and_gets_the_counts(client, api, session):
    response = post_file(client, api("Finance"), GOOD)
    assert response.status_code == 200, response.json
    assert {
        k: response.json[k]
        for k in ("format", "matched", "unmatched", "duplicates", "refunds", "errors")
    } == {
        "format": "generic",
        "matched": 0,
        "unmatched": 1,
        "duplicates": 0,
        "refunds": 0,
        "errors": 0,
    }
    assert post_file(client, api("Finance"), GOOD).json["duplicates"] == 1


def test_a_bad_file_answers_400_with_every_problem(client, api, session):
    response = post_file(client, api("Finance"), BAD, format="generic")
    assert response.status_code == 400
    assert response.json["problems"] == [
        {
            "row": 2,
            "column": "amount",
            "message": "小数超过 2 位",
            "code": "more than 2 decimal places",
        }
    ]
    assert response.json["import_id"] is None and "file" in response.json["message"]
    english = client.post(
        "/api/v1/statement/import?_l_=en",
        headers=api("Finance"),
        data={"file": (io.BytesIO(BAD), "x.csv")},
        content_type="multipart/form-data",
    )
    assert english.json["problems"][0]["message"] == "more than 2 decimal places"
    assert session.scalar(select(func.count()).select_from(StatementEntry)) == 0


def test_a_missing_file_is_named(client, api):
    response = client.post(
        "/api/v1/statement/import",
        headers=api("Finance"),
        data={},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and "file" in response.json["message"]


def test_only_writers_import(client, api):
    for role in ("Manager", "CustomerService", "Auditor", "Collector"):
        assert post_file(client, api(role), GOOD).status_code == 403, role


def test_assign_through_the_api(client, api, session):
    post_file(client, api("Finance"), GOOD)
    entry_id = session.scalar(select(StatementEntry.id))
    response = client.post(
        f"/api/v1/statement_entry/{entry_id}/assign", headers=api("Finance"), json={"unit_id": 1}
    )
    assert response.status_code == 201, response.json
    assert response.json["receipt_number"] == "A-2026-000001"
    again = client.post(
        f"/api/v1/statement_entry/{entry_id}/assign", headers=api("Finance"), json={"unit_id": 1}
    )
    assert again.status_code == 409 and "entry_id" in again.json["message"]
    session.rollback()
    assert session.scalar(select(PayerAccount.unit_id)) == 1


def test_auditors_read_and_export_imports(client, api):
    post_file(client, api("Finance"), GOOD)
    listed = client.get("/api/v1/statement_import/", headers=api("Auditor"))
    assert listed.status_code == 200 and listed.json["count"] == 1
    assert (
        client.get("/api/v1/export/statement_entry?format=csv", headers=api("Auditor")).status_code
        == 200
    )
    assert (
        client.get("/api/v1/export/statement_entry?format=csv", headers=api("Finance")).status_code
        == 403
    )


# --- communities: unit codes repeat in every 小区 (issue 11) ------------------------------------

EVERYWHERE = (HEADER + "2026-03-10,203.75,BT5,bank_transfer,张伟,,1-1-101物业费\n").encode()


def test_an_import_for_one_community(client, api, session):
    response = post_file(client, api("Admin"), EVERYWHERE, community_id="2")
    assert response.status_code == 200, response.json
    assert (response.json["matched"], response.json["unmatched"]) == (1, 0)
    assert response.json["match_rate"] == "1.0000"
    assert session.scalar(select(StatementEntry.unit_id)) == 3  # B's 1-1-101


@pytest.mark.parametrize("community_id", ["2", "999", "99999999999999999999", "A"])
def test_an_import_for_a_community_not_the_callers_is_refused(client, api, session, community_id):
    response = post_file(client, api("Finance"), EVERYWHERE, community_id=community_id)
    assert response.status_code == 400
    assert response.json["message"] == {"community_id": ["请选择您负责的小区。"]}
    assert session.scalar(select(func.count()).select_from(StatementEntry)) == 0


def test_entries_carry_their_candidate_units_in_the_callers_communities(client, api, session):
    post_file(client, api("Admin"), EVERYWHERE)  # waits: 1-1-101 is in A and in B
    a_unit = {"unit_id": 1, "unit_code": "1-1-101", "community_id": 1, "community": "安居小区"}
    b_unit = {"unit_id": 3, "unit_code": "1-1-101", "community_id": 2, "community": "碧园小区"}
    listed = client.get("/api/v1/statement_entry/", headers=api("Finance")).json
    assert [row["candidates"] for row in listed["result"]] == [[a_unit]]
    entry_id = listed["ids"][0]
    one = client.get(f"/api/v1/statement_entry/{entry_id}", headers=api("Admin")).json
    assert one["result"]["candidates"] == [a_unit, b_unit]
    client.post(
        f"/api/v1/statement_entry/{entry_id}/assign", headers=api("Finance"), json={"unit_id": 1}
    )
    booked = client.get(f"/api/v1/statement_entry/{entry_id}", headers=api("Finance")).json
    assert booked["result"]["candidates"] == []
