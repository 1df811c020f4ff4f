"""Statement import, the matching half (docs/domain.md §4): rows become payments or wait for a
cashier; a re-import creates nothing; a bad file imports nothing; refunds reduce, never add."""

from datetime import UTC, date, datetime
from decimal import Decimal as D
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.models import (
    BankMappingRecord,
    Bill,
    Building,
    PayerAccount,
    Payment,
    Receipt,
    StatementEntry,
    StatementImport,
    Unit,
)
from app.services import statement_matching
from app.services.billing import run_billing
from app.services.errors import ConflictError, DomainError, NotFoundError
from app.services.payments import record_payment
from app.services.statements import (
    assign_entry,
    bank_mappings,
    import_statement,
    unit_codes,
    validate_bank_mapping,
)
from tests.factories import make_owner, make_ownership, make_unit

FIXTURES = Path(__file__).parent.parent / "fixtures" / "statements"
HEADER = "date,amount,reference,method,payer_name,payer_account,remark\n"


def csv(*lines: str) -> bytes:
    return (HEADER + "\n".join(lines) + "\n").encode()


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def entry(session, reference) -> StatementEntry:
    return session.scalar(select(StatementEntry).where(StatementEntry.reference == reference))


@pytest.fixture
def world(session):
    """A's building 1 gains 1-1-201 (100 m², a code no other community has); March is billed:
    250.00 for it."""
    building = session.get(Building, 1)
    unit = make_unit(session, building, "1-1-201", area="100.00")
    make_ownership(session, unit, make_owner(session, building.community, "赵六"))
    run_billing(session, date(2026, 3, 1), community_id=1)
    return unit


def test_unit_codes_are_read_from_remarks():
    assert unit_codes("3-2-101物业费") == ["3-2-101"]
    # every token is only a candidate: those that are no unit of ours are ignored
    assert unit_codes("３－２－１０１ 物业费，2026年4-6月") == ["3-2-101", "4-6"]
    assert unit_codes("房号1-1-101和1-1-102") == ["1-1-101", "1-1-102"]
    assert unit_codes("2026-03-05 缴费") == ["2026-03-05"]  # harmless: no such unit
    assert unit_codes("WY20260305000101") == []


def test_a_remark_naming_a_unit_becomes_its_payment(session, world):
    result = import_statement(
        session,
        csv("2026-03-10 09:00,250.00,BT1,bank_transfer,张伟,6222000011112222,1-1-201物业费"),
        "march.csv",
        actor="finance",
    )
    assert (result.matched, result.unmatched, result.duplicates, result.errors) == (1, 0, 0, 0)
    assert result.format == "generic"
    row = entry(session, "BT1")
    payment = session.get(Payment, row.payment_id)
    assert (row.status, row.unit_id, row.community_id) == ("matched", world.id, 1)
    assert (payment.amount, payment.method, payment.reference, payment.recorded_by) == (
        D("250.00"),
        "bank_transfer",
        "BT1",
        "finance",
    )
    assert payment.paid_at == datetime(2026, 3, 10, 1, tzinfo=UTC)  # 09:00 China time
    assert payment.receipt.number == "A-2026-000001"
    bill = session.scalar(select(Bill).where(Bill.unit_id == world.id))
    assert (bill.status, bill.paid) == ("paid", D("250.00"))
    record = session.get(StatementImport, result.import_id)
    assert (record.filename, record.format, record.rows, record.matched) == (
        "march.csv",
        "generic",
        1,
        1,
    )
    assert record.imported_by == "finance" and len(record.sha256) == 64


def test_a_code_found_in_several_communities_waits(session, world):
    # 1-1-101 is a unit of A and of B: the import acts for every community
    result = import_statement(
        session,
        csv("2026-03-10,203.75,BT2,bank_transfer,张伟,6222000011113333,1-1-101物业费"),
        "x.csv",
    )
    row = entry(session, "BT2")
    assert (result.matched, result.unmatched) == (0, 1)
    assert (row.status, row.community_id, row.payment_id) == ("unmatched", None, None)
    assert count(session, Payment) == 0


def test_the_import_touches_only_the_callers_communities(session, world, monkeypatch):
    # a cashier of A: 1-1-101 is then A's unit; B's units are out of reach
    monkeypatch.setattr(statement_matching, "visible_community_ids", lambda: {1})
    import_statement(
        session, csv("2026-03-10,203.75,BT3,bank_transfer,张伟,,1-1-101物业费"), "x.csv"
    )
    assert (entry(session, "BT3").status, entry(session, "BT3").unit_id) == ("matched", 1)


def test_the_payer_account_decides_between_units_the_remark_names(session, world):
    session.add(
        PayerAccount(
            account="6222000011114444", community_id=2, unit_id=3, learned_at=datetime.now(UTC)
        )
    )
    import_statement(
        session,
        csv(
            "2026-03-10,100.00,BT4,bank_transfer,李四,6222000011114444,1-1-101物业费",
            "2026-03-10,100.00,BT5,bank_transfer,李四,6222000011114444,3月物业费",
            "2026-03-10,100.00,BT6,bank_transfer,李四,6222000011114444,1-1-201物业费",
        ),
        "x.csv",
    )
    unit3 = session.get(Unit, 3)
    assert unit3.code == "1-1-101" and unit3.building.community_id == 2
    assert (entry(session, "BT4").status, entry(session, "BT4").unit_id) == ("matched", 3)
    assert (entry(session, "BT5").status, entry(session, "BT5").unit_id) == ("matched", 3)
    # a remark naming one unit wins over the account (one payer, several units)
    assert entry(session, "BT6").unit_id == world.id


def test_an_unmatched_entry_is_assigned_and_its_account_remembered(session, world):
    import_statement(
        session,
        csv("2026-03-10,203.75,BT7,bank_transfer,王芳,6222000011115555,三月份物业费"),
        "a.csv",
    )
    waiting = entry(session, "BT7")
    assert (waiting.status, waiting.community_id) == ("unmatched", None)
    result = assign_entry(session, waiting.id, 1, actor="finance")
    assert (waiting.status, waiting.unit_id, waiting.community_id) == ("assigned", 1, 1)
    assert waiting.payment_id == result.payment.id and result.payment.reference == "BT7"
    assert result.receipt_number == "A-2026-000001"
    known = session.scalar(select(PayerAccount))
    assert (known.account, known.unit_id, known.community_id) == ("6222000011115555", 1, 1)
    # the next statement's row from that account matches by itself
    later = import_statement(
        session,
        csv("2026-04-10,203.75,BT8,bank_transfer,王芳,6222000011115555,四月份物业费"),
        "b.csv",
    )
    assert later.matched == 1 and entry(session, "BT8").unit_id == 1


def test_assigning_without_remembering_the_account(session, world):
    import_statement(
        session, csv("2026-03-10,10.00,BT9,bank_transfer,王芳,62220001,物业费"), "a.csv"
    )
    assign_entry(session, entry(session, "BT9").id, 1, actor="finance", remember_account=False)
    assert count(session, PayerAccount) == 0


def test_masked_accounts_are_never_remembered(session, world):
    import_statement(session, csv("2026-03-10,10.00,BT10,alipay,李*,138****5678,物业费"), "a.csv")
    assign_entry(session, entry(session, "BT10").id, 1)
    assert count(session, PayerAccount) == 0


@pytest.mark.parametrize(
    ("entry_id", "unit_id", "field", "error"),
    [
        (999, 1, "entry_id", NotFoundError),
        ("x", 1, "entry_id", NotFoundError),
        (None, 999, "unit_id", DomainError),
    ],
)
def test_bad_assignments_name_the_field(session, world, entry_id, unit_id, field, error):
    import_statement(session, csv("2026-03-10,10.00,BT11,bank_transfer,王芳,,物业费"), "a.csv")
    with pytest.raises(error) as caught:
        assign_entry(session, entry_id or entry(session, "BT11").id, unit_id)
    assert field in caught.value.messages
    assert entry(session, "BT11").status == "unmatched" and count(session, Payment) == 0


def test_an_entry_is_assigned_once_and_a_refund_never(session, world):
    import_statement(
        session,
        csv(
            "2026-03-10,10.00,BT12,bank_transfer,王芳,,物业费",
            "2026-03-11,-10.00,RF12,bank_transfer,王芳,,退款",
        ),
        "a.csv",
    )
    assign_entry(session, entry(session, "BT12").id, 1)
    with pytest.raises(ConflictError) as caught:
        assign_entry(session, entry(session, "BT12").id, 2)
    assert "entry_id" in caught.value.messages
    with pytest.raises(DomainError) as caught:
        assign_entry(session, entry(session, "RF12").id, 1)
    assert "entry_id" in caught.value.messages
    assert count(session, Payment) == 1


def test_a_cashier_sees_entries_of_unknown_or_own_communities(session, world, monkeypatch):
    import_statement(session, csv("2026-03-10,10.00,BT13,bank_transfer,王芳,,物业费"), "a.csv")
    waiting = entry(session, "BT13")
    waiting.community_id = 2  # e.g. the remark named a code found only in B's units
    monkeypatch.setattr(statement_matching, "visible_community_ids", lambda: {1})
    with pytest.raises(NotFoundError):
        assign_entry(session, waiting.id, 1)


def test_reimporting_the_same_file_creates_nothing(session, world):
    data = csv(
        "2026-03-10,250.00,BT20,bank_transfer,张伟,,1-1-201物业费",
        "2026-03-10,50.00,,cash,王芳,,无房号",
        "2026-03-11,-5.00,RF20,bank_transfer,张伟,,退款",
    )
    first = import_statement(session, data, "a.csv")
    assert (first.matched, first.unmatched, first.refunds, first.duplicates) == (1, 1, 1, 0)
    before = (count(session, StatementEntry), count(session, Payment), count(session, Receipt))
    again = import_statement(session, data, "a.csv")
    assert (again.matched, again.unmatched, again.refunds, again.duplicates) == (0, 0, 0, 3)
    assert (
        count(session, StatementEntry),
        count(session, Payment),
        count(session, Receipt),
    ) == before
    record = session.get(StatementImport, again.import_id)
    assert (record.rows, record.duplicates) == (3, 3)  # the upload itself is on record


def test_a_payment_already_recorded_at_the_till_is_a_duplicate(session, world):
    record_payment(session, world.id, "250.00", "bank_transfer", "BT21")
    result = import_statement(
        session, csv("2026-03-10,250.00,BT21,bank_transfer,张伟,,1-1-201物业费"), "a.csv"
    )
    assert (result.matched, result.duplicates, result.errors) == (0, 1, 0)
    row = entry(session, "BT21")
    assert (row.status, row.unit_id) == ("duplicate", world.id)
    assert count(session, Payment) == 1


def test_a_file_with_a_bad_row_imports_nothing(session, world):
    result = import_statement(
        session,
        csv(
            "2026-03-10,250.00,BT30,bank_transfer,张伟,,1-1-201物业费",
            "2026-03-10,abc,BT31,bank_transfer,张伟,,1-1-201物业费",
            "2026-13-10,5.00,BT32,bitcoin,张伟,,1-1-201物业费",
        ),
        "bad.csv",
    )
    assert result.import_id is None and result.matched == 0
    assert [tuple(p) for p in result.problems] == [
        (3, "amount", "not a number"),
        (4, "date", "not a date"),
        (4, "method", "unknown payment method"),
    ]
    assert result.errors == 3
    for model in (StatementImport, StatementEntry, Payment, Receipt):
        assert count(session, model) == 0


def test_unreadable_and_unknown_files_are_problems(session):
    assert [tuple(p) for p in import_statement(session, b"", "e.csv").problems] == [
        (0, "", "empty file")
    ]
    assert [tuple(p) for p in import_statement(session, b"a,b\n1,2\n", "x.csv").problems] == [
        (0, "", "unknown layout")
    ]
    assert [tuple(p) for p in import_statement(session, csv(), "x.csv", "nope").problems] == [
        (0, "", "unknown format name")
    ]


WECHAT_HEADER = (
    "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,"
    "交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,"
    "充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,"
    "费率备注"
)


def wechat_bill(*rows: tuple[str, str, str, str]) -> bytes:
    """A WeChat trade bill of ``(order, refund number or "", amount, product)`` rows: a refund
    (refund number given) refunds the order named."""
    lines, settled, refunded = [WECHAT_HEADER], D(0), D(0)
    for n, (order, refund_no, amount, product) in enumerate(rows, start=1):
        refund = D(amount) if refund_no else D("0.00")
        settle = D("0.00") if refund_no else D(amount)
        settled, refunded = settled + settle, refunded + refund
        status = "REFUND" if refund_no else "SUCCESS"
        cells = [
            f"2026-03-1{n} 10:00:00",
            "wx1",
            "1601",
            "0",
            "",
            order,
            f"WY{n}",
            "oUser1",
            "JSAPI",
            status,
            "OTHERS",
            "CNY",
            str(settle),
            "0.00",
            refund_no or "0",
            "0",
            str(refund),
            "0.00",
            "",
            "",
            product,
            "",
            "0.00",
            "0.60%",
            str(settle),
            str(refund),
            "",
        ]
        lines.append("`" + ",`".join(cells))
    lines.append(
        "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,"
        "申请退款总金额"
    )
    lines.append(f"`{len(rows)},`{settled},`{refunded},`0.00,`0.00,`{settled},`{refunded}")
    return ("\n".join(lines) + "\n").encode()


class TestRefunds:
    def test_a_full_refund_of_an_imported_payment_reverses_it(self, session, world):
        import_statement(session, wechat_bill(("WX40", "", "250.00", "1-1-201物业费")), "a.csv")
        result = import_statement(session, wechat_bill(("WX40", "RF40", "250.00", "退款")), "b.csv")
        assert (result.errors, result.refunds, result.reversed, result.matched) == (0, 1, 1, 0)
        refund, original = entry(session, "RF40"), entry(session, "WX40")
        reversal = session.get(Payment, refund.payment_id)
        assert (refund.status, original.status) == ("reversed", "refunded")
        assert (reversal.kind, reversal.reverses_id) == ("reversal", original.payment_id)
        assert "RF40" in reversal.reason
        assert session.get(Payment, original.payment_id).receipt.void
        bill = session.scalar(select(Bill).where(Bill.unit_id == world.id))
        assert (bill.status, bill.paid) == ("open", D("0.00"))

    def test_a_partial_refund_waits_for_a_cashier(self, session, world):
        import_statement(session, wechat_bill(("WX41", "", "250.00", "1-1-201物业费")), "a.csv")
        import_statement(session, wechat_bill(("WX41", "RF41", "100.00", "退款")), "b.csv")
        refund = entry(session, "RF41")
        assert (refund.status, refund.unit_id, refund.community_id, refund.payment_id) == (
            "refund",
            world.id,
            1,
            None,
        )
        assert entry(session, "WX41").status == "matched"
        assert count(session, Payment) == 1  # never a payment, never a reversal

    def test_a_full_refund_of_a_waiting_payment_takes_both_out_of_the_queue(self, session, world):
        import_statement(session, wechat_bill(("WX42", "", "80.00", "物业费")), "a.csv")
        import_statement(session, wechat_bill(("WX42", "RF42", "80.00", "退款")), "b.csv")
        assert (entry(session, "WX42").status, entry(session, "RF42").status) == (
            "refunded",
            "reversed",
        )
        assert count(session, Payment) == 0

    def test_a_refund_without_its_payment_waits(self, session, world):
        result = import_statement(
            session, csv("2026-03-11,-30.00,RF43,bank_transfer,张伟,,1-1-201退款"), "a.csv"
        )
        assert (result.refunds, result.reversed, result.matched) == (1, 0, 0)
        assert entry(session, "RF43").status == "refund"
        assert count(session, Payment) == 0

    def test_a_refund_before_its_payment_in_the_file_still_finds_it(self, session, world):
        data = wechat_bill(("WX44", "RF44", "60.00", "退款"), ("WX44", "", "60.00", "1-1-201"))
        result = import_statement(session, data, "a.csv")
        assert (result.matched, result.refunds, result.reversed) == (1, 1, 1)
        assert entry(session, "WX44").status == "refunded"
        assert session.scalar(select(Receipt.void)) is True


# --- the samples, end to end ---------------------------------------------------------------


@pytest.fixture
def sample_units(session):
    """The units the sample statements name, in community A."""
    building = session.get(Building, 1)
    return {
        code: make_unit(session, building, code)
        for code in ("3-2-101", "5-1-302", "8-1-1201", "6-2-802")
    }


def test_the_wechat_sample_imports_end_to_end(session, sample_units):
    data = (FIXTURES / "wechat.csv").read_bytes()
    result = import_statement(session, data, "wechat.csv")
    assert (
        result.format,
        result.rows,
        result.matched,
        result.unmatched,
        result.refunds,
        result.reversed,
        result.errors,
    ) == ("wechat", 4, 3, 0, 1, 0, 0)
    paid = session.execute(
        select(Unit.code, Payment.amount, Payment.method)
        .join(Payment, Payment.unit_id == Unit.id)
        .order_by(Payment.id)
    ).all()
    assert paid == [
        ("3-2-101", D("1234.50"), "wechat"),
        ("5-1-302", D("268.80"), "wechat"),
        ("8-1-1201", D("150.00"), "wechat"),
    ]
    # the refund names a payment of 1 March this file does not hold
    refund = entry(session, "50300109012026030512345678901")
    assert (refund.kind, refund.status, refund.amount) == ("refund", "refund", D("100.00"))
    assert import_statement(session, data, "wechat.csv").duplicates == 4


def test_the_alipay_sample_imports_end_to_end(session, sample_units):
    data = (FIXTURES / "alipay.csv").read_bytes()
    result = import_statement(session, data, "alipay.csv")
    assert (result.format, result.matched, result.unmatched, result.refunds, result.errors) == (
        "alipay",
        3,
        0,
        1,
        0,
    )
    assert session.scalar(select(func.sum(Payment.amount))) == D("2576.00")
    # Alipay masks the payer's account: nothing to remember from it
    assert entry(session, "2026030522001487654321098765").payer_account == "138****5678"


def test_the_icbc_sample_imports_through_the_built_in_mapping(session, sample_units):
    result = import_statement(session, (FIXTURES / "icbc.csv").read_bytes(), "icbc.csv")
    assert (result.format, result.matched, result.refunds, result.errors) == ("icbc", 3, 1, 0)
    assert entry(session, "icbc:HQ2026030300057").status == "refund"  # a debit: for a cashier


# --- saved bank mappings -------------------------------------------------------------------

MYBANK = {
    "date": "记账日期",
    "credit": "收入",
    "debit": "支出",
    "reference": "流水",
    "payer_account": "对方账号",
    "remark": ["摘要", "附言"],
}


def test_a_saved_mapping_is_offered_to_the_parser(session, world):
    session.add(
        BankMappingRecord(name="mybank", columns=MYBANK, header_row=None, date_format="%Y/%m/%d")
    )
    session.flush()
    assert [m.name for m in bank_mappings(session)] == ["mybank", "icbc", "ccb"]
    data = (
        "记账日期,流水,收入,支出,对方账号,摘要,附言\n"
        "2026/03/10,S1,250.00,,6222,转账,1-1-201物业费\n"
    ).encode()
    result = import_statement(session, data, "mybank.csv")
    assert (result.format, result.matched) == ("mybank", 1)
    assert entry(session, "mybank:S1").unit_id == world.id


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"name": "My Bank"}, "name"),
        ({"name": "generic"}, "name"),
        ({"columns": {"date": "日期"}}, "columns"),
        ({"columns": {**MYBANK, "colour": "颜色"}}, "columns"),
        ({"columns": {**MYBANK, "date": ["a", "b"]}}, "columns"),
        ({"columns": "not an object"}, "columns"),
        ({"header_row": 0}, "header_row"),
        ({"date_format": "yyyy-mm-dd"}, "date_format"),
    ],
)
def test_bad_bank_mappings_are_refused_naming_the_field(session, values, field):
    record = BankMappingRecord(
        **({"name": "mybank", "columns": MYBANK, "header_row": None, "date_format": None} | values)
    )
    with pytest.raises(DomainError) as caught:
        validate_bank_mapping(session, record)
    assert field in caught.value.messages


def test_a_saved_mapping_keeps_its_name(session):
    record = BankMappingRecord(name="mybank", columns=MYBANK)
    validate_bank_mapping(session, record)
    session.add(record)
    session.flush()
    record.name = "otherbank"
    with pytest.raises(DomainError) as caught:
        validate_bank_mapping(session, record)
    assert "name" in caught.value.messages
