"""Statement files as the platforms really send them (issue 11): WeChat Pay's SUCCESS bill, the
Alipay footer, and files that are cut or damaged, refused with the row and column."""

import random
from datetime import datetime
from decimal import Decimal as D
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from app.domain.statements import StatementError, parse_statement
from app.domain.statements import core as c

FIXTURES = Path(__file__).parent.parent / "fixtures" / "statements"
CN = ZoneInfo("Asia/Shanghai")


def sample(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def problems_of(data: bytes, format=None) -> list[tuple]:
    with pytest.raises(StatementError) as caught:
        parse_statement(data, format)
    return [tuple(p) for p in caught.value.problems]


# --- WeChat Pay, bill_type=SUCCESS: 20 columns, no refund columns ------------------------------


def success_text() -> str:
    return sample("wechat_success.csv").decode("utf-8-sig")


def test_the_wechat_success_bill_is_read():
    rows = parse_statement(sample("wechat_success.csv"))
    assert [
        (r.row, r.reference, r.paid_at, r.amount, r.kind, r.payer_account, r.remark) for r in rows
    ] == [
        (
            2,
            "4200002031202603061234500001",
            datetime(2026, 3, 6, 8, 41, 17, tzinfo=CN),
            D("203.75"),
            "payment",
            "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
            "1-1-101物业费 碧园小区",
        ),
        (
            3,
            "4200002031202603061234500002",
            datetime(2026, 3, 6, 12, 5, 9, tzinfo=CN),
            D("206.25"),
            "payment",
            "oUpF8uLq2x9Kd0cVbT7rE1mYhZ3a",
            "1-1-102 三月物业费",
        ),
    ]  # row 4 settled nothing: a voucher paid it
    assert rows[0].raw["手续费"] == "1.22000" and len(rows[0].raw) == 20
    assert parse_statement(sample("wechat_success.csv"), "wechat") == rows


def test_the_wechat_success_bill_summary_is_checked():
    tampered = success_text().replace("`3,`410.00,", "`3,`400.00,")
    assert problems_of(tampered.encode()) == [(6, "应结订单总金额", c.TOTAL_MISMATCH)]
    cut = success_text().split("总交易单数")[0]
    assert problems_of(cut.encode()) == [(0, "总交易单数", c.NO_SUMMARY)]


def test_a_refund_row_in_a_bill_without_refund_columns_names_the_missing_column():
    text = success_text().replace("`JSAPI,`SUCCESS,`CMB_DEBIT", "`JSAPI,`REFUND,`CMB_DEBIT")
    assert problems_of(text.encode()) == [(2, "微信退款单号", c.MISSING_COLUMN)]


def test_one_refund_column_without_the_other_is_a_missing_column():
    text = sample("wechat.csv").decode().replace(",微信退款单号,", ",退款单号,", 1)
    assert problems_of(text.encode(), "wechat") == [(1, "微信退款单号", c.MISSING_COLUMN)]


# --- Alipay: the real footer, checked, and required ---------------------------------------------


def alipay_text() -> str:
    return sample("alipay.csv").decode("gbk")


def test_the_real_alipay_refund_footer_is_checked():
    text = alipay_text()
    assert "#退款合计：1笔，商家实收退款共-100.00元，商家优惠退款共0.00元" in text
    tampered = text.replace("商家实收退款共-100.00元", "商家实收退款共-10.00元")
    assert problems_of(tampered.encode("gbk")) == [(12, "退款合计", c.TOTAL_MISMATCH)]
    assert len(parse_statement(text.encode("gbk"))) == 4


def test_an_alipay_file_without_its_totals_is_refused():
    lines = alipay_text().split("\r\n")
    kept = [line for line in lines if "合计：" not in line]
    assert problems_of("\r\n".join(kept).encode("gbk")) == [
        (0, "交易合计", c.NO_SUMMARY),
        (0, "退款合计", c.NO_SUMMARY),
    ]
    truncated = "\r\n".join(lines[:9]) + "\r\n"  # cut after the last detail row
    assert problems_of(truncated.encode("gbk")) == [
        (0, "交易合计", c.NO_SUMMARY),
        (0, "退款合计", c.NO_SUMMARY),
    ]


def test_an_alipay_total_line_without_its_amount_is_refused():
    text = alipay_text().replace("，商家实收共2576.00元", "")
    assert problems_of(text.encode("gbk")) == [(11, "交易合计", c.NO_SUMMARY)]


# --- cut and damaged files: the encoding is decided on the whole file ---------------------------

GENERIC = (
    "date,amount,reference,method,payer_name,payer_account,remark\n"
    "2026-03-10,203.75,BT1,bank_transfer,王芳,6222000011115555,1-1-101三月物业\n"
    "2026-03-11,12.00,BT2,bank_transfer,张三,6222000011116666,1-1-102三月物业\n"
)


def test_a_utf8_file_cut_inside_a_character_is_refused_not_read_as_gbk():
    data = GENERIC.encode()
    cut = data[: data.index("张".encode()) + 2]  # the file ends inside 张 (E5 BC A0)
    assert problems_of(cut) == [(3, "payer_name", c.BAD_BYTES)]
    assert problems_of(cut, "generic") == [(3, "payer_name", c.BAD_BYTES)]
    with pytest.raises(UnicodeDecodeError):
        cut.decode("utf-8")
    assert cut.decode("gb18030").endswith(",寮")  # what imported a garbled payer before


def test_a_damaged_byte_inside_a_utf8_file_is_named_by_row_and_column():
    data = GENERIC.encode()
    at = data.index("物业".encode(), data.index(b"BT2"))
    damaged = data[:at] + b"\xff" + data[at + 1 :]
    assert problems_of(damaged) == [(3, "remark", c.BAD_BYTES)]


def test_a_wechat_bill_cut_inside_a_character():
    data = sample("wechat_success.csv")
    cut = data[: data.index("三月".encode()) + 1]
    assert problems_of(cut) == [(3, "商品名称", c.BAD_BYTES)]


def test_a_gbk_file_cut_inside_a_character():
    data = sample("alipay.csv")
    cut = data[: data.index("李*".encode("gbk")) + 1]
    assert problems_of(cut) == [(7, "对方账户", c.BAD_BYTES)]


def test_bytes_that_are_no_text_at_all_are_a_file_problem():
    junk = random.Random(11).randbytes(4096)
    assert problems_of(junk) == [(0, "", c.UNREADABLE_TEXT)]


# --- ragged rows: the first missing column is named ---------------------------------------------


def test_a_generic_row_cut_short_names_its_first_missing_column():
    cut = GENERIC[: GENERIC.index(",6222000011116666")]
    assert problems_of(cut.encode()) == [(3, "payer_account", c.SHORT_ROW)]


def test_an_alipay_row_cut_short_is_refused_with_the_missing_totals():
    text = alipay_text()
    cut = text[: text.index("李*")]
    assert problems_of(cut.encode("gbk")) == [
        (0, "交易合计", c.NO_SUMMARY),
        (0, "退款合计", c.NO_SUMMARY),
        (7, "订单金额（元）", c.SHORT_ROW),
    ]  # 对方账户 is there, empty


def test_a_wechat_row_cut_short():
    text = success_text()
    cut = text[: text.index(",`1-1-102")] + "\r\n" + text[text.index("`2026-03-06 19:30") :]
    assert problems_of(cut.encode()) == [(3, "商品名称", c.SHORT_ROW)]


def test_a_wechat_totals_line_cut_short():
    text = success_text().rstrip()
    cut = text[: text.rindex(",`0.00,`2.46000")]
    assert problems_of(cut.encode()) == [(6, "充值券退款总金额", c.SHORT_ROW)]


def test_a_bank_row_cut_short():
    text = sample("icbc.csv").decode("gbk")
    cut = text[: text.index(",6217000010012345678")] + "\r\n" + text[text.index("2026-03-03") :]
    assert problems_of(cut.encode("gbk"), "icbc") == [(6, "对方账号", c.SHORT_ROW)]


def test_a_bank_note_after_the_table_is_not_a_short_row():
    text = sample("icbc.csv").decode("gbk") + "以上数据仅供参考\r\n"
    assert len(parse_statement(text.encode("gbk"), "icbc")) == 4
