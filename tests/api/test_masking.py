"""Personal data (phone, ID number) is masked unless the user may see it, and every unmasked
view is recorded in the audit log.

Owner 1 (community A, visible to every role that reads owners) has the template's phone and ID.
"""

import pytest
from sqlalchemy import select

from app.models import AuditLog, StatementEntry

PHONE, MASKED_PHONE = "13812345678", "138****5678"
ID_NUMBER, MASKED_ID = "11010519491231002X", "1101**********002X"
MASKED_FOR = ("Manager", "Finance", "Auditor", "Collector")
UNMASKED_FOR = ("Admin", "CustomerService")
ALL = [
    *(pytest.param(r, True, id=f"{r}-masked") for r in MASKED_FOR),
    *(pytest.param(r, False, id=f"{r}-unmasked") for r in UNMASKED_FOR),
]


def assert_shows(text: str, masked: bool, pairs) -> None:
    """``text`` holds the masked (or raw) form of each (raw, masked) pair and never the other."""
    for raw, hidden in pairs:
        shown, absent = (hidden, raw) if masked else (raw, hidden)
        assert shown in text
        assert absent not in text


def reveals(session) -> list[tuple[str, str]]:
    session.expire_all()
    rows = session.scalars(select(AuditLog).where(AuditLog.action == "reveal"))
    return [(row.table_name, row.username) for row in rows]


# --- owners: API and screens --------------------------------------------------------------------


@pytest.mark.parametrize(("role", "masked"), ALL)
def test_owner_api_list(client, api, role, masked):
    response = client.get("/api/v1/owner/", headers=api(role))
    assert response.status_code == 200
    owner = next(row for row in response.json["result"] if row["id"] == 1)
    expected = (MASKED_PHONE, MASKED_ID) if masked else (PHONE, ID_NUMBER)
    assert (owner["phone"], owner["id_number"]) == expected
    assert_shows(
        response.get_data(as_text=True), masked, [(PHONE, MASKED_PHONE), (ID_NUMBER, MASKED_ID)]
    )


@pytest.mark.parametrize(("role", "masked"), ALL)
def test_owner_api_get(client, api, role, masked):
    response = client.get("/api/v1/owner/1", headers=api(role))
    assert response.status_code == 200
    expected = (MASKED_PHONE, MASKED_ID) if masked else (PHONE, ID_NUMBER)
    assert (response.json["result"]["phone"], response.json["result"]["id_number"]) == expected


@pytest.mark.parametrize(
    ("url", "pairs"),
    [
        ("/ownerview/list/", [(PHONE, MASKED_PHONE)]),  # the list shows no ID number
        ("/ownerview/show/1", [(PHONE, MASKED_PHONE), (ID_NUMBER, MASKED_ID)]),
    ],
)
@pytest.mark.parametrize(("role", "masked"), ALL)
def test_owner_screens(client, login, role, masked, url, pairs):
    login(role)
    response = client.get(url)
    assert response.status_code == 200
    assert_shows(response.get_data(as_text=True), masked, pairs)


# --- the audit log ------------------------------------------------------------------------------

NEW_PHONE, NEW_MASKED_PHONE = "13700001111", "137****1111"
OWNER_ROWS = "?q=(filters:!((col:table_name,opr:eq,value:owner)),page_size:100)"


@pytest.fixture
def owner_changed(client, api):
    """CustomerService changes owner 1's phone through the API; returns the audit row's id."""
    response = client.put(
        "/api/v1/owner/1", json={"phone": NEW_PHONE}, headers=api("CustomerService")
    )
    assert response.status_code == 200, response.json
    rows = client.get(f"/api/v1/audit_log/{OWNER_ROWS}", headers=api("Admin")).json["result"]
    return next(r["id"] for r in rows if r["action"] == "update" and r["row_id"] == "1")


PAIRS = [(PHONE, MASKED_PHONE), (NEW_PHONE, NEW_MASKED_PHONE), (ID_NUMBER, MASKED_ID)]


@pytest.mark.parametrize(("role", "masked"), [("Auditor", True), ("Admin", False)])
def test_audit_log_api_masks_changes(client, api, owner_changed, role, masked):
    listed = client.get(f"/api/v1/audit_log/{OWNER_ROWS}", headers=api(role))
    assert listed.status_code == 200
    assert_shows(listed.get_data(as_text=True), masked, PAIRS)
    got = client.get(f"/api/v1/audit_log/{owner_changed}", headers=api(role))
    assert got.status_code == 200
    phones = (MASKED_PHONE, NEW_MASKED_PHONE) if masked else (PHONE, NEW_PHONE)
    changes = got.json["result"]["changes"]
    assert (changes["before"]["phone"], changes["after"]["phone"]) == phones


@pytest.mark.parametrize(("role", "masked"), [("Auditor", True), ("Admin", False)])
def test_audit_log_screen_masks_changes(client, login, owner_changed, role, masked):
    login(role)
    response = client.get(f"/auditlogview/show/{owner_changed}")
    assert response.status_code == 200
    assert_shows(response.get_data(as_text=True), masked, PAIRS[:2])
    listed = client.get("/auditlogview/list/").get_data(as_text=True)
    assert PHONE not in listed and NEW_PHONE not in listed  # the list has no changes column


# --- reveals are recorded -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("how", "url"),
    [
        ("api", "/api/v1/owner/1"),
        ("api", "/api/v1/owner/"),
        ("screen", "/ownerview/show/1"),
        ("screen", "/ownerview/list/"),
    ],
)
@pytest.mark.parametrize(
    ("role", "masked"),
    [("CustomerService", False), ("Admin", False), ("Manager", True), ("Auditor", True)],
)
def test_unmasked_views_are_recorded(client, api, login, session, how, url, role, masked):
    assert reveals(session) == []
    if how == "api":
        response = client.get(url, headers=api(role))
    else:
        response = login(role).get(url)
    assert response.status_code == 200
    assert reveals(session) == ([] if masked else [("owner", role.lower())])
    if not masked:
        row = session.scalars(select(AuditLog).where(AuditLog.action == "reveal")).one()
        assert 1 in row.changes["ids"]


# --- ordering and filtering by a masked column would tell its values apart ----------------------


@pytest.mark.parametrize(
    "q",
    [
        "(order_column:phone,order_direction:asc)",
        "(order_column:id_number,order_direction:desc)",
        "(filters:!((col:phone,opr:sw,value:'138')))",
        "(filters:!((col:id_number,opr:ct,value:'1949')))",
    ],
)
@pytest.mark.parametrize(("role", "masked"), ALL)
def test_a_masked_column_cannot_order_or_filter_the_owner_list(client, api, role, masked, q):
    listed = client.get(f"/api/v1/owner/?q={q}", headers=api(role))
    exported = client.get(f"/api/v1/owner/export/?q={q}", headers=api(role))  # if it may export
    if masked:
        column = "phone" if "phone" in q else "id_number"
        assert listed.status_code == 400 and column in str(listed.json["message"])
        assert exported.status_code in (400, 403)
    elif "order_column" in q:
        assert (listed.status_code, exported.status_code) in ((200, 200), (200, 403))
    else:  # the owner list is not filtered by these columns for anyone
        assert (listed.status_code, exported.status_code) in ((400, 400), (400, 403))


# --- e-mail addresses are personal data too (PIPL) -----------------------------------------------

EMAIL, MASKED_EMAIL = "zhangwei@example.com", "z*******@example.com"


@pytest.fixture
def owner_email(session):
    """Owner 1 (community A) has an e-mail address."""
    from app.models import Owner

    session.get(Owner, 1).email = EMAIL
    session.commit()


@pytest.mark.parametrize(("role", "masked"), ALL)
def test_owner_email_in_the_api(client, api, owner_email, role, masked):
    listed = client.get("/api/v1/owner/", headers=api(role))
    got = client.get("/api/v1/owner/1", headers=api(role))
    assert listed.status_code == got.status_code == 200
    owner = next(row for row in listed.json["result"] if row["id"] == 1)
    assert owner["email"] == got.json["result"]["email"] == (MASKED_EMAIL if masked else EMAIL)
    assert_shows(listed.get_data(as_text=True), masked, [(EMAIL, MASKED_EMAIL)])


@pytest.mark.parametrize(
    ("role", "masked"), [("Auditor", True), ("Manager", True), ("Admin", False)]
)
def test_owner_email_in_the_api_export(client, api, owner_email, role, masked):
    response = client.get("/api/v1/export/owner?format=csv", headers=api(role))
    assert response.status_code == 200
    assert_shows(response.get_data(as_text=True), masked, [(EMAIL, MASKED_EMAIL)])


@pytest.mark.parametrize(("role", "masked"), [("Auditor", True), ("Admin", False)])
def test_an_email_change_is_masked_in_the_audit_log(client, api, role, masked):
    changed = client.put("/api/v1/owner/1", json={"email": EMAIL}, headers=api("CustomerService"))
    assert changed.status_code == 200 and changed.json["result"]["email"] == EMAIL
    listed = client.get(f"/api/v1/audit_log/{OWNER_ROWS}", headers=api(role))
    assert listed.status_code == 200
    assert_shows(listed.get_data(as_text=True), masked, [(EMAIL, MASKED_EMAIL)])


@pytest.mark.parametrize(
    ("role", "status"),
    [("Manager", 400), ("Auditor", 400), ("Admin", 200), ("CustomerService", 200)],
)
def test_a_masked_email_cannot_order_the_owner_list(client, api, owner_email, role, status):
    listed = client.get(
        "/api/v1/owner/?q=(order_column:email,order_direction:asc)", headers=api(role)
    )
    assert listed.status_code == status
    if status == 400:
        assert "email" in str(listed.json["message"])


# --- outbox recipients and payer accounts -------------------------------------------------------

ACCOUNT, MASKED_ACCOUNT = "6222000011115555", "6222********5555"


@pytest.mark.parametrize(("role", "masked"), [("Manager", True), ("CustomerService", False)])
def test_the_outbox_shows_recipients_to_whom_may_see_them(
    app, client, api, session, monkeypatch, owner_email, role, masked
):
    """Manager and customer service read the outbox ("did I get the notice?")."""
    from app.models import Owner
    from app.services.delivery import queue_message

    monkeypatch.setitem(app.config, "WUYE_SMTP_HOST", "smtp.example.com")  # queued, not sent
    owner = session.get(Owner, 1)
    owner.e_notice_consent, owner.preferred_channel = True, "email"
    queue_message(session, owner, "reminder", "催缴提醒", "请尽快缴费。")
    session.commit()
    response = client.get("/api/v1/outbox/", headers=api(role))
    assert response.status_code == 200 and response.json["count"] == 1
    row = response.json["result"][0]
    assert row["channel"] == "email"
    assert row["recipient"] == (MASKED_EMAIL if masked else EMAIL)


@pytest.fixture
def statement(session):
    """One unmatched bank transfer from account ``ACCOUNT`` (committed)."""
    from app.services.statements import import_statement

    rows = (
        "date,amount,reference,method,payer_name,payer_account,remark\n"
        f"2026-03-10,203.75,BT1,bank_transfer,张伟,{ACCOUNT},三月物业费\n"
    )
    import_statement(session, rows.encode(), "march.csv")
    session.commit()


@pytest.mark.parametrize(
    ("role", "masked"), [("Finance", True), ("Manager", True), ("Auditor", True), ("Admin", False)]
)
def test_payer_accounts_are_masked_in_statement_entries(client, api, statement, role, masked):
    listed = client.get("/api/v1/statement_entry/", headers=api(role))
    assert listed.status_code == 200
    assert listed.json["result"][0]["payer_account"] == (MASKED_ACCOUNT if masked else ACCOUNT)
    q = f"(filters:!((col:payer_account,opr:eq,value:'{ACCOUNT}')))"
    filtered = client.get(f"/api/v1/statement_entry/?q={q}", headers=api(role))
    assert filtered.status_code == (400 if masked else 200)
    if not masked:
        assert filtered.json["count"] == 1


def test_a_remembered_payer_account_is_masked_in_the_audit_log(client, api, statement, session):
    entry_id = session.scalar(select(StatementEntry.id))
    booked = client.post(
        f"/api/v1/statement_entry/{entry_id}/assign", headers=api("Finance"), json={"unit_id": 1}
    )
    assert booked.status_code == 201, booked.json
    q = "?q=(filters:!((col:table_name,opr:eq,value:payer_account)))"
    for role, masked in (("Auditor", True), ("Admin", False)):
        listed = client.get(f"/api/v1/audit_log/{q}", headers=api(role))
        assert listed.json["count"] == 1
        assert_shows(listed.get_data(as_text=True), masked, [(ACCOUNT, MASKED_ACCOUNT)])


@pytest.mark.parametrize(
    ("role", "message"), [("CustomerService", "Invalid order by column"), ("Manager", "phone")]
)
def test_a_task_list_cannot_be_ordered_by_its_owners_phone(client, api, session, role, message):
    """A task's phone is its owner's (a Python property): no query orders by it (it was a 500
    for whom may see phones); for whom sees it masked, the refusal names the column."""
    from tests.collection import start_campaign

    start_campaign(session)
    listed = client.get(
        "/api/v1/collection_task/?q=(order_column:phone,order_direction:asc)", headers=api(role)
    )
    assert listed.status_code == 400 and message in str(listed.json)
