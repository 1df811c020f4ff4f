"""Personal data on list screens: a user who sees a column masked can neither order nor filter a
list (or its export) by it, as on the API (app/views/base.py, ``_checked_order``); e-mail
addresses and payer accounts are masked like phones.

Owner 1 (A业主甲, 13812345678) and owner 2 (A业主乙, 13912345679) are community A's.
"""

import pytest
from sqlalchemy import select

from app.models import AuditLog, Owner, StatementEntry
from app.services.statements import import_statement

EMAIL, MASKED_EMAIL = "zhangwei@example.com", "z*******@example.com"
ACCOUNT, MASKED_ACCOUNT = "6222000011115555", "6222********5555"
REFUSED = "个人信息对您已脱敏"  # "Personal data is masked for you: …"


@pytest.fixture
def world(session) -> int:
    """Owner 1 with an e-mail address, and a statement with one unmatched transfer from
    ``ACCOUNT`` (committed); the statement import's id."""
    session.get(Owner, 1).email = EMAIL
    rows = (
        "date,amount,reference,method,payer_name,payer_account,remark\n"
        f"2026-03-10,203.75,BT1,bank_transfer,张伟,{ACCOUNT},三月物业费\n"
    )
    result = import_statement(session, rows.encode(), "march.csv")
    session.commit()
    return result.import_id


def page_of(response) -> str:
    return response.get_data(as_text=True)


OWNERS, ENTRIES = "/ownerview/list/", "/unmatchedentryview/list/"
# id: (url, the column, who sees it masked, who sees it), for every way of asking.
ASKED = {
    "order-phone": (
        f"{OWNERS}?_oc_OwnerView=phone&_od_OwnerView=asc",
        "phone",
        "Manager",
        "CustomerService",
    ),
    "order-id-number-not-listed": (
        f"{OWNERS}?_oc_OwnerView=id_number&_od_OwnerView=desc",
        "id_number",
        "Auditor",
        "Admin",
    ),
    "order-email": (
        f"{OWNERS}?_oc_OwnerView=email&_od_OwnerView=asc",
        "email",
        "Collector",
        "CustomerService",
    ),
    "order-a-relations-phone": (
        "/billview/list/?_oc_BillView=owner.phone&_od_BillView=asc",
        "owner.phone",
        "Finance",
        "CustomerService",
    ),
    "filter-email": (f"{OWNERS}?_flt_0_email=example", "email", "Manager", "CustomerService"),
    "export-order-phone": (
        "/ownerview/export/csv?_oc_OwnerView=phone&_od_OwnerView=asc",
        "phone",
        "Manager",
        "Admin",
    ),
    "export-filter-email": (
        "/ownerview/export/csv?_flt_0_email=example",
        "email",
        "Auditor",
        "Admin",
    ),
    "filter-payer-account": (
        f"{ENTRIES}?_flt_0_payer_account=6222",
        "payer_account",
        "Finance",
        "Admin",
    ),
    "order-a-related-list": (
        "/statementimportview/show/{import_id}?_oc_StatementEntryView="
        "payer_account&_od_StatementEntryView=asc",
        "payer_account",
        "Finance",
        "Admin",
    ),
}


@pytest.mark.parametrize(("url", "column", "masked_for", "shown_to"), ASKED.values(), ids=ASKED)
def test_a_masked_column_cannot_order_or_filter_a_screen(
    login, world, url, column, masked_for, shown_to
):
    url = url.format(import_id=world)
    refused = login(masked_for).get(url)
    assert refused.status_code == 400
    assert REFUSED in page_of(refused) and column in page_of(refused)
    assert login(shown_to).get(url).status_code == 200


def test_whom_may_see_phones_orders_owners_by_them(login, world):
    page = page_of(
        login("CustomerService").get("/ownerview/list/?_oc_OwnerView=phone&_od_OwnerView=desc")
    )
    assert page.index("13912345679") < page.index("13812345678")


@pytest.mark.parametrize(
    ("role", "offered"),
    [("Manager", False), ("Auditor", False), ("CustomerService", True), ("Admin", True)],
)
def test_the_list_offers_no_masked_column_to_order_or_search_by(login, role, offered):
    page = page_of(login(role).get("/ownerview/list/"))
    assert ("_oc_OwnerView=phone" in page) is offered  # the column header's sort link
    assert ('name="email"' in page) is offered  # the search form's field
    assert "_oc_OwnerView=name" in page and 'name="name"' in page


def test_a_communitys_phone_is_no_personal_data(login):
    """The service centre's number, shown to all: any role orders communities by it."""
    client = login("Manager")
    page = page_of(client.get("/communityview/list/"))
    assert "_oc_CommunityView=phone" in page
    url = "/communityview/list/?_oc_CommunityView=phone&_od_CommunityView=asc"
    assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/ownerview/list/?_oc_OwnerView=no_such_column&_od_OwnerView=asc",
        "/complaintview/list/?_oc_ComplaintView=phone&_od_ComplaintView=asc",  # not a column
        "/billview/list/?_oc_BillView=owner.name&_od_BillView=desc",  # not offered by the list
    ],
)
def test_an_order_the_list_does_not_offer_is_ignored(login, url):
    response = login("CustomerService").get(url)
    assert response.status_code == 200  # was a 500: FAB ordered by whatever it was given


# --- e-mail addresses and payer accounts on screens ---------------------------------------------


@pytest.mark.parametrize(
    ("role", "masked"),
    [("Manager", True), ("Collector", True), ("CustomerService", False), ("Admin", False)],
)
def test_an_owners_email_is_masked_on_its_page(login, world, role, masked):
    page = page_of(login(role).get("/ownerview/show/1"))
    assert (MASKED_EMAIL if masked else EMAIL) in page
    assert (EMAIL if masked else MASKED_EMAIL) not in page


@pytest.fixture
def emailed(app, session, monkeypatch, world) -> int:
    """A reminder e-mailed to owner 1 (queued); its id."""
    from app.services.delivery import queue_message

    monkeypatch.setitem(app.config, "WUYE_SMTP_HOST", "smtp.example.com")
    owner = session.get(Owner, 1)
    owner.e_notice_consent, owner.preferred_channel = True, "email"
    message = queue_message(session, owner, "reminder", "催缴提醒", "请尽快缴费。")
    session.commit()
    return message.id


@pytest.mark.parametrize(
    ("role", "masked"), [("Manager", True), ("Finance", True), ("CustomerService", False)]
)
def test_the_outbox_screen_shows_an_email_recipient_to_whom_may_see_it(
    login, emailed, role, masked
):
    client = login(role)
    for url in ("/outboxview/list/", f"/outboxview/show/{emailed}"):
        page = page_of(client.get(url))
        assert (MASKED_EMAIL if masked else EMAIL) in page
        assert (EMAIL if masked else MASKED_EMAIL) not in page


def test_the_outbox_export_masks_email_recipients(login, emailed):
    response = login("Manager").get("/outboxview/export/csv")
    assert response.status_code == 200
    exported = response.get_data().decode("utf-8-sig")
    assert MASKED_EMAIL in exported and EMAIL not in exported


@pytest.mark.parametrize(("role", "masked"), [("Finance", True), ("Admin", False)])
def test_the_assign_page_masks_the_payer_account(login, session, world, role, masked):
    entry_id = session.scalar(select(StatementEntry.id))
    client = login(role)
    for url in ("/unmatchedentryview/list/", f"/assignentryformview/assign/{entry_id}"):
        page = page_of(client.get(url))
        assert (MASKED_ACCOUNT if masked else ACCOUNT) in page
        assert (ACCOUNT if masked else MASKED_ACCOUNT) not in page
    session.rollback()
    reveals = session.scalars(select(AuditLog).where(AuditLog.action == "reveal")).all()
    assert [(r.table_name, r.changes["fields"]) for r in reveals] == (
        [] if masked else [("statement_entry", ["payer_account"])] * 2
    )
