"""Statement import across communities (issue 11): unit codes repeat in every 小区, so an import
may be made for one community, a community named in the remark narrows the match, and the queue
shows the candidate units of a waiting entry. Also: WeChat Pay's SUCCESS bill end to end."""

from decimal import Decimal as D
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.models import Payment, StatementEntry, StatementImport
from app.services import statement_matching
from app.services.errors import DomainError
from app.services.statement_matching import candidate_units
from app.services.statements import import_statement
from tests.factories import make_building, make_community, make_tariff, make_unit
from tests.services.test_statement_import import wechat_bill

FIXTURES = Path(__file__).parent.parent / "fixtures" / "statements"
HEADER = "date,amount,reference,method,payer_name,payer_account,remark\n"
# The world: 安居小区 (A, id 1) and 碧园小区 (B, id 2), each with units 1-1-101 and 1-1-102
# (ids 1, 2 in A; 3, 4 in B).


def csv(*lines: str) -> bytes:
    return (HEADER + "\n".join(lines) + "\n").encode()


def entry(session, reference) -> StatementEntry:
    return session.scalar(select(StatementEntry).where(StatementEntry.reference == reference))


def placed(session, *references) -> list[tuple]:
    return [
        (entry(session, r).status, entry(session, r).unit_id, entry(session, r).community_id)
        for r in references
    ]


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


ROWS = csv(
    "2026-03-10,203.75,BT1,bank_transfer,张伟,6222000011110001,1-1-101物业费",
    "2026-03-10,206.25,BT2,bank_transfer,李娜,6222000011110002,1-1-102 三月",
    "2026-03-10,50.00,BT3,bank_transfer,王芳,6222000011110003,三月物业费",
)


def test_codes_that_repeat_across_communities_match_in_the_chosen_one(session):
    anywhere = import_statement(session, ROWS, "any.csv")
    assert (anywhere.matched, anywhere.unmatched) == (0, 3)
    session.rollback()
    result = import_statement(session, ROWS, "b.csv", community_id=2)
    assert (result.matched, result.unmatched, result.errors) == (2, 1, 0)
    # what waits was imported for B: B's cashiers see it, A's do not
    assert placed(session, "BT1", "BT2", "BT3") == [
        ("matched", 3, 2),
        ("matched", 4, 2),
        ("unmatched", None, 2),
    ]


def test_a_community_named_in_the_remark_narrows_the_match(session):
    nested = make_community(session, "A2", "安居小区二期")  # a name holding another's
    make_tariff(session, nested)  # payments are dated from its first tariff's first day
    twin = make_unit(session, make_building(session, nested), "1-1-101")
    result = import_statement(
        session,
        csv(
            "2026-03-10,203.75,BT1,bank_transfer,张伟,,碧园小区1-1-101物业费",
            "2026-03-10,206.25,BT2,bank_transfer,李娜,,安居小区 １－１－１０２",
            "2026-03-10,10.00,BT3,bank_transfer,王芳,,碧园小区 三月物业费",
            "2026-03-10,10.00,BT4,bank_transfer,赵六,,安居小区二期1-1-101",
        ),
        "x.csv",
    )
    assert result.matched == 3
    assert placed(session, "BT1", "BT2", "BT3", "BT4") == [
        ("matched", 3, 2),
        ("matched", 2, 1),
        ("unmatched", None, 2),
        ("matched", twin.id, nested.id),
    ]


def test_a_remark_naming_another_community_than_the_chosen_one_waits(session):
    import_statement(
        session,
        csv("2026-03-10,203.75,BT1,bank_transfer,张伟,,碧园小区1-1-101"),
        "a.csv",
        community_id=1,
    )
    assert placed(session, "BT1") == [("unmatched", None, 1)]
    assert count(session, Payment) == 0


@pytest.mark.parametrize("community_id", [2, 999, 2**40, "x", True])
def test_a_community_that_is_not_the_callers_is_refused(session, monkeypatch, community_id):
    monkeypatch.setattr(statement_matching, "visible_community_ids", lambda: {1})
    with pytest.raises(DomainError) as caught:
        import_statement(session, ROWS, "b.csv", community_id=community_id)
    assert "community_id" in caught.value.messages
    assert count(session, StatementImport) == 0 and count(session, StatementEntry) == 0


def test_a_refund_under_a_chosen_community_never_reverses_another_communitys_payment(session):
    import_statement(session, wechat_bill(("WX1", "", "203.75", "碧园小区1-1-101")), "a.csv")
    assert placed(session, "WX1") == [("matched", 3, 2)]
    refund = import_statement(
        session, wechat_bill(("WX1", "RF1", "203.75", "退款")), "b.csv", community_id=1
    )
    assert (refund.refunds, refund.reversed) == (1, 0)
    assert placed(session, "RF1", "WX1") == [("refund", None, 1), ("matched", 3, 2)]
    assert count(session, Payment) == 1


def test_the_candidate_units_of_waiting_entries(session, monkeypatch):
    import_statement(session, ROWS, "any.csv")
    import_statement(
        session, csv("2026-03-11,203.75,BT9,bank_transfer,张伟,,碧园小区1-1-101"), "b.csv"
    )
    waiting = [entry(session, r) for r in ("BT1", "BT2", "BT3", "BT9")]
    found = candidate_units(session, waiting)
    assert [(c.unit_id, c.label) for c in found[waiting[0].id]] == [
        (1, "安居小区 1-1-101"),
        (3, "碧园小区 1-1-101"),
    ]
    assert [c.unit_id for c in found[waiting[1].id]] == [2, 4]
    assert found[waiting[2].id] == [] and found[waiting[3].id] == []  # no code; booked
    monkeypatch.setattr(statement_matching, "visible_community_ids", lambda: {1})
    assert [c.label for c in candidate_units(session, waiting[:1])[waiting[0].id]] == [
        "安居小区 1-1-101"
    ]


def test_the_wechat_success_bill_imports_end_to_end(session):
    data = (FIXTURES / "wechat_success.csv").read_bytes()
    result = import_statement(session, data, "wechat_success.csv")
    assert (result.format, result.rows, result.matched, result.unmatched, result.errors) == (
        "wechat",
        2,
        1,
        1,
        0,
    )
    # 商户数据包 names 碧园小区: B's 1-1-101; 1-1-102 is in both communities: it waits
    assert placed(session, "4200002031202603061234500001", "4200002031202603061234500002") == [
        ("matched", 3, 2),
        ("unmatched", None, None),
    ]
    waiting = entry(session, "4200002031202603061234500002")
    assert [c.unit_id for c in candidate_units(session, [waiting])[waiting.id]] == [2, 4]
    assert import_statement(session, data, "again.csv").duplicates == 2


def test_a_community_import_and_its_candidates_on_postgres(pg_session):
    result = import_statement(pg_session, ROWS, "b.csv", community_id=2)
    assert (result.matched, result.unmatched) == (2, 1)
    assert pg_session.scalar(select(func.sum(Payment.amount))) == D("410.00")
    again = import_statement(pg_session, ROWS.replace(b"BT", b"XT"), "any.csv")
    assert again.unmatched == 3
    waiting = pg_session.scalar(select(StatementEntry).where(StatementEntry.reference == "XT1"))
    assert [c.unit_id for c in candidate_units(pg_session, [waiting])[waiting.id]] == [1, 3]
