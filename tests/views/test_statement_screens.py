"""Statement import screens: upload, the result page, the unmatched queue and its assign form,
bank mappings; who may do what."""

import io
import re

import pytest
from sqlalchemy import func, select

from app.models import BankMappingRecord, PayerAccount, Payment, StatementEntry, StatementImport
from app.services.statements import import_statement

HEADER = "date,amount,reference,method,payer_name,payer_account,remark\n"
GOOD = (
    HEADER + "2026-03-10,203.75,BT1,bank_transfer,张伟,6222000011115555,三月物业费\n"
    "2026-03-11,-5.00,RF1,bank_transfer,张伟,6222000011115555,退款\n"
).encode()
BAD = (HEADER + "2026-03-10,abc,BT2,bank_transfer,张伟,,物业费\n").encode()


def upload(client, data: bytes, name="march.csv", fmt="detect", **form):
    return client.post(
        "/statementimportformview/upload",
        data={"file": (io.BytesIO(data), name), "format": fmt, **form},
        content_type="multipart/form-data",
    )


def text(page) -> str:
    html = page.get_data(as_text=True)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def count(session, model) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(model))


def test_finance_uploads_a_statement_and_sees_the_counts(login, session):
    client = login("Finance")
    form = client.get("/statementimportformview/upload")
    assert form.status_code == 200
    assert 'enctype="multipart/form-data"' in form.get_data(as_text=True)
    page = upload(client, GOOD)
    assert page.status_code == 200
    counts = page.get_data(as_text=True)
    assert 'id="statement_counts"' in counts and "statement_problems" not in counts
    assert count(session, StatementEntry) == 2
    record = session.scalar(select(StatementImport))
    assert (record.imported_by, record.filename, record.unmatched, record.refunds) == (
        "finance",
        "march.csv",
        1,
        1,
    )
    assert "导入" in text(page)


def test_a_bad_file_lists_its_problems_in_chinese_and_imports_nothing(login, session):
    page = upload(login("Finance"), BAD)
    html = page.get_data(as_text=True)
    assert 'id="statement_problems"' in html
    problems = text(page)
    assert "不是数字" in problems and "amount" in problems
    assert count(session, StatementImport) == 0 and count(session, StatementEntry) == 0


def test_a_cashier_assigns_an_unmatched_entry(login, session):
    import_statement(session, GOOD, "march.csv")
    session.commit()
    entry_id = session.scalar(select(StatementEntry.id).where(StatementEntry.reference == "BT1"))
    client = login("Finance")
    queue = client.get("/unmatchedentryview/list/")
    listed = queue.get_data(as_text=True)  # finance sees the payer account masked
    assert queue.status_code == 200 and "6222********5555" in listed
    assert "6222000011115555" not in listed
    assert client.get(f"/unmatchedentryview/action/assign/{entry_id}").status_code == 302
    assert client.get(f"/assignentryformview/assign/{entry_id}").status_code == 200
    page = client.post(
        f"/assignentryformview/assign/{entry_id}",
        data={"community": "1", "unit_code": "1-1-101", "remember_account": "y"},
        follow_redirects=True,
    )
    assert "A-2026-000001" in page.get_data(as_text=True)
    session.rollback()
    entry = session.get(StatementEntry, entry_id)
    assert (entry.status, entry.unit_id) == ("assigned", 1)
    assert session.get(Payment, entry.payment_id).recorded_by == "finance"
    assert session.scalar(select(PayerAccount.unit_id)) == 1


def test_a_refused_assignment_says_why(login, session):
    import_statement(session, GOOD, "march.csv")
    session.commit()
    entry_id = session.scalar(select(StatementEntry.id).where(StatementEntry.reference == "BT1"))
    page = login("Finance").post(
        f"/assignentryformview/assign/{entry_id}", data={"community": "1", "unit_code": "9-9-999"}
    )
    assert "房屋" in text(page)
    assert count(session, Payment) == 0


def test_the_queue_shows_unknown_and_own_communities_only(login, session):
    import_statement(session, GOOD, "march.csv")
    entry = session.scalar(select(StatementEntry).where(StatementEntry.reference == "BT1"))
    entry.community_id = 2
    session.commit()
    client = login("Finance")  # community A only
    assert client.get(f"/assignentryformview/assign/{entry.id}").status_code == 404
    listed = client.get("/unmatchedentryview/list/").get_data(as_text=True)
    assert "三月物业费" not in listed and "退款" in listed


@pytest.mark.parametrize("role", ["Manager", "CustomerService", "Auditor", "Collector"])
def test_only_finance_and_admin_upload(login, role):
    client = login(role)
    assert client.get("/statementimportformview/upload").status_code == 403
    assert upload(client, GOOD).status_code == 403


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("Admin", 200),
        ("Finance", 200),
        ("Manager", 200),
        ("CustomerService", 403),
        ("Auditor", 200),
        ("Collector", 403),
    ],
)
def test_who_reads_imports_and_the_queue(login, role, status):
    client = login(role)
    assert client.get("/statementimportview/list/").status_code == status
    assert client.get("/unmatchedentryview/list/").status_code == status


@pytest.mark.parametrize(
    ("role", "status"), [("Admin", 200), ("Finance", 403), ("Manager", 403), ("Auditor", 403)]
)
def test_bank_mappings_are_for_administrators(login, role, status):
    assert login(role).get("/bankmappingview/list/").status_code == status


MAPPING = {
    "name": "mybank",
    "header_row": "",
    "date_format": "%Y/%m/%d",
    "columns": '{"date": "记账日期", "credit": "收入", "debit": "支出", '
    '"remark": ["摘要", "附言"]}',
}


def test_an_administrator_saves_a_bank_mapping_offered_at_upload(login, session):
    client = login("Admin")
    client.post("/bankmappingview/add", data=MAPPING, follow_redirects=True)
    session.rollback()
    saved = session.scalar(select(BankMappingRecord))
    assert (saved.name, saved.columns["remark"]) == ("mybank", ["摘要", "附言"])
    form = client.get("/statementimportformview/upload").get_data(as_text=True)
    assert 'value="mybank"' in form


@pytest.mark.parametrize(
    ("field", "value"),
    [("columns", "{not json"), ("columns", '{"date": "日期"}'), ("name", "wechat")],
)
def test_a_bad_bank_mapping_is_refused(login, session, field, value):
    page = login("Admin").post(
        "/bankmappingview/add", data=MAPPING | {field: value}, follow_redirects=True
    )
    assert page.status_code == 200
    assert count(session, BankMappingRecord) == 0


# --- communities: unit codes repeat in every 小区 (issue 11) ------------------------------------

EVERYWHERE = (HEADER + "2026-03-10,203.75,BT5,bank_transfer,张伟,,1-1-101物业费\n").encode()


def test_the_upload_offers_only_the_users_communities(login):
    form = login("Finance").get("/statementimportformview/upload").get_data(as_text=True)
    assert 'name="community"' in form
    assert "A 安居小区" in form and "碧园小区" not in form  # Finance works for A only
    assert "碧园小区" in login("Admin").get("/statementimportformview/upload").get_data(
        as_text=True
    )


def test_an_upload_for_one_community_matches_its_units(login, session):
    page = upload(login("Admin"), EVERYWHERE, community="2")  # Admin: every community
    assert 'id="statement_counts"' in page.get_data(as_text=True)
    session.rollback()
    entry = session.scalar(select(StatementEntry).where(StatementEntry.reference == "BT5"))
    assert (entry.status, entry.unit_id, entry.community_id) == ("matched", 3, 2)


@pytest.mark.parametrize("community", ["2", "999", "x"])
def test_an_upload_for_a_community_not_the_users_is_refused(login, session, community):
    page = upload(login("Finance"), EVERYWHERE, community=community)
    assert page.status_code == 200
    assert "小区: 请选择您负责的小区" in text(page)
    assert count(session, StatementImport) == 0 and count(session, Payment) == 0


def test_the_queue_shows_the_candidate_units_in_the_users_communities(login, session):
    import_statement(session, EVERYWHERE, "march.csv")  # waits: 1-1-101 is in A and in B
    session.commit()
    entry_id = session.scalar(select(StatementEntry.id).where(StatementEntry.reference == "BT5"))
    finance = login("Finance")
    listed = text(finance.get("/unmatchedentryview/list/"))
    assert "候选房屋" in listed
    assert "安居小区 1-1-101" in listed and "碧园小区 1-1-101" not in listed
    assignment = text(finance.get(f"/assignentryformview/assign/{entry_id}"))
    assert "安居小区 1-1-101" in assignment and "碧园小区" not in assignment
    everyone = text(login("Admin").get("/unmatchedentryview/list/"))
    assert "安居小区 1-1-101" in everyone and "碧园小区 1-1-101" in everyone
