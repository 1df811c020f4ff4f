"""Statement rows matched by the household's payment code (一户一码, docs/domain.md §4): tried
before the unit code, company-wide but only within the import's scope."""

from datetime import date

import pytest
from sqlalchemy import select

from app.domain.payment_codes import payment_code
from app.models import StatementEntry
from app.services import statement_matching
from app.services.billing import run_billing
from app.services.statements import import_statement
from tests.services.test_statement_import import csv


@pytest.fixture
def billed(session):
    run_billing(session, date(2026, 3, 1))  # both communities: units 1, 2 (A) and 3, 4 (B)


def matched(session, remark: str, reference: str) -> tuple[str, int | None]:
    import_statement(
        session, csv(f"2026-03-10,203.75,{reference},bank_transfer,张伟,,{remark}"), "x.csv"
    )
    row = session.scalar(select(StatementEntry).where(StatementEntry.reference == reference))
    return row.status, row.unit_id


def test_the_code_names_one_unit_where_the_unit_code_names_two(session, billed):
    # 1-1-101 is a unit of A and of B: alone it waits; with B's code it is B's
    assert matched(session, "1-1-101物业费", "R1") == ("unmatched", None)
    assert matched(session, f"缴费码{payment_code(3)} 1-1-101", "R2") == ("matched", 3)
    assert matched(session, f"缴费码：{payment_code(4)}", "R3") == ("matched", 4)


def test_a_mistyped_code_matches_nothing(session, billed):
    code = payment_code(3)
    typo = code[:-1] + str((int(code[-1]) + 1) % 10)
    assert matched(session, f"缴费码{typo}", "R4") == ("unmatched", None)


def test_a_code_outside_the_imports_communities_is_not_used(session, billed, monkeypatch):
    monkeypatch.setattr(statement_matching, "visible_community_ids", lambda: {1})
    # a cashier of A imports a row paying B's unit: it waits, even though A has a 1-1-101
    assert matched(session, f"缴费码{payment_code(3)}", "R5") == ("unmatched", None)
    assert matched(session, f"缴费码{payment_code(3)} 1-1-101", "R6") == ("unmatched", None)
    # a number that happens to pass the check but names no unit is no code
    assert matched(session, f"订单{payment_code(999_999)} 1-1-101", "R7") == ("matched", 1)


def test_each_import_says_how_much_it_matched_by_itself(session, billed):
    from app.models import StatementImport

    result = import_statement(
        session,
        csv(
            f"2026-03-10,203.75,R8,bank_transfer,张伟,,缴费码{payment_code(1)}",
            f"2026-03-10,203.75,R9,bank_transfer,张伟,,缴费码{payment_code(2)}",
            f"2026-03-10,203.75,R10,bank_transfer,张伟,,缴费码{payment_code(3)}",
            "2026-03-10,203.75,R11,bank_transfer,李四,,物业费",
        ),
        "x.csv",
    )
    assert (result.matched, result.unmatched, str(result.match_rate)) == (3, 1, "0.7500")
    assert session.get(StatementImport, result.import_id).match_rate == result.match_rate
