"""Statement parsing (docs/domain.md §4): each layout's rows to the fen, refunds, detection, and
every bad row reported with its row number and column."""

import pickle
import sys
from datetime import datetime, timedelta
from decimal import Decimal as D
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.statements import (
    BANK_MAPPINGS,
    CCB,
    ICBC,
    BankMapping,
    Problem,
    StatementError,
    StatementRow,
    detect_format,
    parse_alipay,
    parse_bank,
    parse_generic,
    parse_statement,
    parse_wechat,
)
from app.domain.statements import core as c
from app.domain.statements.values import parse_amount, parse_paid_at

FIXTURES = Path(__file__).parent.parent / "fixtures" / "statements"
CN = ZoneInfo("Asia/Shanghai")


def sample(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=CN)


def brief(row: StatementRow) -> tuple:
    return (
        row.row,
        row.method,
        row.reference,
        row.paid_at,
        row.amount,
        row.kind,
        row.payer_name,
        row.payer_account,
        row.remark,
        row.refund_of,
    )


def problems_of(data: bytes, format=None, **kwargs) -> list[tuple]:
    with pytest.raises(StatementError) as caught:
        parse_statement(data, format, **kwargs)
    return [tuple(p) for p in caught.value.problems]


# --- generic CSV ------------------------------------------------------------------------------

GENERIC = [
    (
        2,
        "bank_transfer",
        "BT20260302001",
        at(2026, 3, 2, 9, 15),
        D("1234.50"),
        "payment",
        "张伟",
        "6222020200112345678",
        "3-2-101物业费",
        "",
    ),
    (
        3,
        "wechat",
        "4200002031202603021234567890",
        at(2026, 3, 2, 14, 3, 27),
        D("268.80"),
        "payment",
        "李娜",
        "",
        "5-1-302 2026年一季度物业费",
        "",
    ),
    (
        4,
        "bank_transfer",
        "RF20260303001",
        at(2026, 3, 3),
        D("100.00"),
        "refund",
        "张伟",
        "6222020200112345678",
        "3-2-101多缴退款",
        "",
    ),
]


def test_generic_sample():
    rows = parse_statement(sample("generic.csv"))
    assert [brief(r) for r in rows[:3]] == GENERIC
    cash = rows[3]  # no reference in the file: a content reference
    assert (cash.row, cash.method, cash.amount, cash.kind) == (5, "cash", D("150.00"), "payment")
    assert cash.reference.startswith("h-") and len(cash.reference) == 22
    assert rows[0].raw == {
        "date": "2026-03-02 09:15:00",
        "amount": "1,234.50",
        "reference": "BT20260302001",
        "method": "bank_transfer",
        "payer_name": "张伟",
        "payer_account": "6222020200112345678",
        "remark": "3-2-101物业费",
    }
    assert rows[2].signed_amount == D("-100.00")


def test_generic_in_gbk_and_without_bom_reads_the_same():
    text = sample("generic.csv").decode("utf-8-sig")
    expected = parse_generic(sample("generic.csv"))
    assert parse_statement(text.encode("gbk")) == expected
    assert parse_statement(text.encode("utf-8")) == expected


def test_generic_columns_in_any_order_and_extra_columns_kept():
    data = (
        "Remark,Method,Amount,Date,收据号\n3-2-101物业费,alipay,88.00,2026/03/05 08:00,R-1\n"
    ).encode()
    [row] = parse_statement(data)
    assert (row.method, row.amount, row.paid_at, row.remark) == (
        "alipay",
        D("88.00"),
        at(2026, 3, 5, 8),
        "3-2-101物业费",
    )
    assert row.raw["收据号"] == "R-1" and row.reference.startswith("h-")


def test_generic_every_bad_row_is_reported():
    data = (
        "date,amount,reference,method,payer_name,payer_account,remark\n"
        "2026-03-02,12.345,A1,bank_transfer,,,\n"
        "2026-02-30,100.00,A2,wechat,,,\n"
        "2026-03-02,一百元,A3,alipay,,,\n"
        "2026-03-02,100.00,A4,paypal,,,\n"
        ",,A5,,,,\n"
        "2026-03-02,0.00,A6,cash,,,\n"
        "2026-03-03,50.00,B1,cash,,,3-2-101\n"
        "2026-03-03,60.00,B1,cash,,,3-2-102\n"
        "2026-03-03,1,234.50,B2,cash,,,3-2-103\n"
        "2026-03-03,1e3,B3,cash,,,\n"
    ).encode()
    assert problems_of(data) == [
        (2, "amount", c.TOO_MANY_DECIMALS),
        (3, "date", c.BAD_DATE),
        (4, "amount", c.NOT_A_NUMBER),
        (5, "method", c.UNKNOWN_METHOD),
        (6, "amount", c.REQUIRED),
        (6, "date", c.REQUIRED),
        (6, "method", c.REQUIRED),
        (7, "amount", c.ZERO_AMOUNT),
        (9, "reference", c.DUPLICATE_REFERENCE),
        (10, "", c.FIELD_COUNT),
        (11, "amount", c.NOT_A_NUMBER),
    ]


def test_generic_missing_column_names_the_header_row():
    data = b"\n\ndate,reference,payer_name\n2026-03-02,A1,x\n"
    assert problems_of(data, "generic") == [
        (3, "amount", c.MISSING_COLUMN),
        (3, "method", c.MISSING_COLUMN),
    ]


def test_a_header_without_rows_is_an_empty_statement():
    assert parse_statement(b"date,amount,method\r\n") == []


# --- WeChat Pay trade bill --------------------------------------------------------------------

WECHAT = [
    (
        2,
        "wechat",
        "4200002031202603051234567890",
        at(2026, 3, 5, 9, 12, 45),
        D("1234.50"),
        "payment",
        "",
        "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
        "3-2-101物业费 2026年1-3月",
        "",
    ),
    (
        3,
        "wechat",
        "4200002031202603051234598765",
        at(2026, 3, 5, 11, 30, 8),
        D("268.80"),
        "payment",
        "",
        "oUpF8uLq2x9Kd0cVbT7rE1mYhZ3a",
        "5-1-302物业费,停车费",
        "",
    ),
    (
        4,
        "wechat",
        "50300109012026030512345678901",
        at(2026, 3, 5, 16, 40, 2),
        D("100.00"),
        "refund",
        "",
        "oUpF8uPz7wq1Ms5nRb3kT8cYdX2e",
        "8-1-1201物业费 多缴退款",
        "4200002031202603011239876543",
    ),
    # line 5 is REVOKED: skipped
    (
        6,
        "wechat",
        "4200002031202603051234522222",
        at(2026, 3, 5, 20, 17, 33),
        D("150.00"),
        "payment",
        "",
        "oUpF8uPz7wq1Ms5nRb3kT8cYdX2e",
        "8-1-1201停车费 3月",
        "",
    ),
]


def wechat_text() -> str:
    return sample("wechat.csv").decode("utf-8")


def test_wechat_sample():
    rows = parse_statement(sample("wechat.csv"))
    assert [brief(r) for r in rows] == WECHAT
    assert rows[0].raw["应结订单金额"] == "1234.50" and rows[0].raw["费率"] == "0.60%"
    assert rows[1].raw["商品名称"] == "5-1-302物业费,停车费"  # a comma inside a backticked field


def test_wechat_summary_is_cross_checked():
    text = wechat_text().replace("`5,`1653.30,`100.00", "`5,`1653.31,`90.00")
    assert problems_of(text.encode()) == [
        (8, "应结订单总金额", c.TOTAL_MISMATCH),
        (8, "退款总金额", c.TOTAL_MISMATCH),
    ]


def test_wechat_a_dropped_detail_line_fails_the_cross_check():
    lines = wechat_text().split("\r\n")
    del lines[2]
    assert problems_of("\r\n".join(lines).encode()) == [
        (7, "总交易单数", c.TOTAL_MISMATCH),
        (7, "应结订单总金额", c.TOTAL_MISMATCH),
    ]


def test_wechat_summary_missing():
    text = wechat_text().split("总交易单数")[0]
    assert problems_of(text.encode(), "wechat") == [(0, "总交易单数", c.NO_SUMMARY)]


def test_wechat_every_bad_row_is_reported():
    lines = wechat_text().split("\r\n")
    lines[1] = lines[1].replace("`1234.50,`0.00,`0,", "`1234.505,`0.00,`0,")
    lines[2] = lines[2].replace("`2026-03-05 11:30:08", "`2026-03-05 25:30:08")
    lines[3] = lines[3].replace("`50300109012026030512345678901", "`0")
    lines[5] = lines[5].replace("`SUCCESS", "`PAYING").replace("`CNY", "`USD")
    lines[4] = lines[4].replace("`CMB", "`ICBC")  # the REVOKED line, harmless
    lines.insert(6, "`2026-03-05 21:00:00,`wx1,`1601234567")
    assert problems_of("\r\n".join(lines).encode()) == [
        (2, "应结订单金额", c.TOO_MANY_DECIMALS),
        (3, "交易时间", c.BAD_DATE),
        (4, "微信退款单号", c.REQUIRED),
        (6, "货币种类", c.NOT_CNY),
        (6, "交易状态", c.UNKNOWN_STATUS),
        (7, "特约商户号", c.SHORT_ROW),
    ]  # and no cross-check noise: the detail amounts were not all readable


def test_wechat_missing_column():
    text = wechat_text().replace("微信订单号,", "订单号,", 1)
    assert problems_of(text.encode(), "wechat") == [(1, "微信订单号", c.MISSING_COLUMN)]


# --- Alipay business detail bill --------------------------------------------------------------

ALIPAY = [
    (
        6,
        "alipay",
        "2026030522001412345678901234",
        at(2026, 3, 5, 10, 21, 35),
        D("860.00"),
        "payment",
        "张**",
        "zha***@163.com",
        "3-2-101物业费 3-2-101 2026年4-6月物业费",
        "",
    ),
    (
        7,
        "alipay",
        "2026030522001487654321098765",
        at(2026, 3, 5, 13, 2, 14),
        D("1200.00"),
        "payment",
        "李*",
        "138****5678",
        "5-1-302停车费",
        "",
    ),
    (
        8,
        "alipay",
        "2026030122001455556666777788/2026030521001455556666777788",
        at(2026, 3, 5, 17, 45, 20),
        D("100.00"),
        "refund",
        "",
        "wan***@qq.com",
        "8-1-1201物业费 多缴退款",
        "2026030122001455556666777788",
    ),
    (
        9,
        "alipay",
        "2026030522001499990000111122",
        at(2026, 3, 5, 21, 10, 43),
        D("516.00"),
        "payment",
        "赵**",
        "186****0021",
        "6-2-802物业费 6-2-802",
        "",
    ),
]


def alipay_text() -> str:
    return sample("alipay.csv").decode("gbk")


def test_alipay_sample_is_gbk_with_tabs_and_comment_lines():
    data = sample("alipay.csv")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    rows = parse_statement(data)
    assert [brief(r) for r in rows] == ALIPAY
    assert rows[0].raw["商家实收（元）"] == "860.00"  # the header as the file writes it
    assert rows[2].raw["商家实收（元）"] == "-100.00"


def test_alipay_ascii_parentheses_and_utf8_read_the_same():
    text = alipay_text().replace("（元）", "(元)")
    assert [brief(r) for r in parse_statement(text.encode("utf-8"))] == ALIPAY


def test_alipay_refund_without_request_number_is_referenced_by_its_time():
    text = alipay_text().replace("2026030521001455556666777788\t", "\t")
    refund = parse_alipay(text.encode("gbk"))[2]
    assert refund.reference == "2026030122001455556666777788/R20260305174520"


def test_alipay_footer_is_cross_checked():
    text = alipay_text().replace("#交易合计：3笔", "#交易合计：4笔")
    text = text.replace("共-100.00元", "共-90.00元")
    assert problems_of(text.encode("gbk")) == [
        (11, "交易合计", c.TOTAL_MISMATCH),
        (12, "退款合计", c.TOTAL_MISMATCH),
    ]


def test_alipay_every_bad_row_is_reported():
    lines = alipay_text().split("\r\n")
    lines[5] = lines[5].replace("860.00\t,860.00", "860.00\t,八百六")
    lines[6] = lines[6].replace("交易\t", "转账\t")
    lines[7] = lines[7].replace("2026-03-05 17:45:20", "2026-03-32 17:45:20")
    lines[8] = (
        lines[8]
        .replace("516.00\t,516.00", "516.00\t,-516.00")
        .replace("2026030522001499990000111122", "")
    )
    assert problems_of("\r\n".join(lines).encode("gbk")) == [
        (6, "商家实收（元）", c.NOT_A_NUMBER),
        (7, "业务类型", c.UNKNOWN_TYPE),
        (8, "完成时间", c.BAD_DATE),
        (9, "商家实收（元）", c.NEGATIVE_AMOUNT),
        (9, "支付宝交易号", c.REQUIRED),
    ]


def test_alipay_missing_column():
    text = alipay_text().replace("商家实收（元）", "实收（元）")
    assert problems_of(text.encode("gbk")) == [(5, "商家实收(元)", c.MISSING_COLUMN)]


# --- bank statements through a mapping --------------------------------------------------------

ICBC_ROWS = [
    (
        5,
        "bank_transfer",
        "icbc:HQ2026030200118",
        at(2026, 3, 2, 9, 15, 32),
        D("1234.50"),
        "payment",
        "张伟",
        "6222020200112345678",
        "跨行汇入 3-2-101物业费",
        "",
    ),
    (
        6,
        "bank_transfer",
        "icbc:HQ2026030200231",
        at(2026, 3, 2, 11, 2, 10),
        D("268.80"),
        "payment",
        "李娜",
        "6217000010012345678",
        "转账 5-1-302物业费",
        "",
    ),
    (
        7,
        "bank_transfer",
        "icbc:HQ2026030300057",
        at(2026, 3, 3, 15, 47, 9),
        D("100.00"),
        "refund",
        "王芳",
        "6228480012345678901",
        "网银转出 8-1-1201多缴退款",
        "",
    ),
    # row 8 (结息) has neither credit nor debit, row 10 is the 合计 line: both skipped
]


def test_icbc_csv_in_gbk_with_title_lines():
    rows = parse_statement(sample("icbc.csv"))
    assert [brief(r) for r in rows[:3]] == ICBC_ROWS
    cash = rows[3]  # no 流水号: a content reference
    assert (cash.row, cash.amount, cash.kind, cash.paid_at) == (
        9,
        D("516.00"),
        "payment",
        at(2026, 3, 5, 16, 20, 45),
    )
    assert cash.reference.startswith("h-")
    assert rows[1].raw["贷方发生额"] == "268.80元"


def test_icbc_xls_reads_like_the_csv_and_gives_the_same_references():
    pytest.importorskip("xlrd")
    xls, csv = parse_statement(sample("icbc.xls")), parse_statement(sample("icbc.csv"))
    assert [brief(r) for r in xls] == [brief(r) for r in csv]
    assert xls[0].raw["交易日期"] == "2026-03-02 00:00:00" and xls[0].raw["贷方发生额"] == "1234.5"


def test_ccb_xlsx_with_number_and_date_cells():
    rows = parse_statement(sample("ccb.xlsx"))
    assert [brief(r) for r in rows] == [
        (
            5,
            "bank_transfer",
            "ccb:44050140012345678901-0000123",
            at(2026, 3, 2, 9, 15, 32),
            D("1234.50"),
            "payment",
            "张伟",
            "6222020200112345678",
            "转账存入 3-2-101物业费",
            "",
        ),
        (
            6,
            "bank_transfer",
            "ccb:44050140012345678901-0000124",
            at(2026, 3, 3, 15, 47, 9),
            D("100.00"),
            "refund",
            "王芳",
            "6228480012345678901",
            "转账支取 8-1-1201多缴退款",
            "",
        ),
        (
            7,
            "bank_transfer",
            rows[2].reference,
            at(2026, 3, 4, 14, 22, 5),
            D("2000.00"),
            "payment",
            "广州市住房公积金",
            "44001002003004005006",
            "代发 7-3-1502 一年物业费",
            "",
        ),
        (
            8,
            "bank_transfer",
            "ccb:44050140012345678901-0000126",
            at(2026, 3, 4, 23, 59, 59),
            D("0.35"),
            "payment",
            "",
            "",
            "结息",
            "",
        ),
    ]  # the 本页合计 line is skipped
    assert rows[2].reference.startswith("h-")
    assert rows[0].raw["贷方发生额（收入）"] == "1234.5"


def test_a_mapping_with_a_fixed_header_row_and_its_own_formats():
    mapping = BankMapping(
        name="abc-0101",
        header_row=2,
        date_format="%d.%m.%Y",
        columns={
            "date": "记账日",
            "credit": "收入金额",
            "debit": "支出金额",
            "payer_name": "付款人",
            "remark": ("附言", "交易说明"),
        },
    )
    data = (
        "农业银行 流水\n记账日,收入金额,支出金额,付款人,附言,交易说明\n"
        '05.03.2026,"2,400.00",,陈静,9-1-601,全年物业费\n'
    ).encode("gbk")
    [row] = parse_statement(data, mapping)
    assert (row.paid_at, row.amount, row.kind, row.payer_name, row.remark) == (
        at(2026, 3, 5),
        D("2400.00"),
        "payment",
        "陈静",
        "9-1-601 全年物业费",
    )
    assert parse_statement(data, "abc-0101", mappings=[mapping]) == [row]
    assert parse_statement(data, "bank", mappings=[ICBC, mapping]) == [row]


BANK_HEADER = "交易日期,交易时间,流水号,摘要,用途,对方户名,对方账号,借方发生额,贷方发生额,余额\n"


def test_bank_every_bad_row_is_reported():
    data = (
        BANK_HEADER
        + "2026-03-02,09:00:00,S1,转账,,张伟,62220001,50.00,100.00,1000.00\n"
        + "2026-03-02,09:01:00,S2,转账,,张伟,62220001,,-100.00,900.00\n"
        + '2026-03-02,09:02:00,S3,转账,,张伟,62220001,,"1,23.40",900.00\n'
        + "2026/13/02,09:03:00,S4,转账,,张伟,62220001,,10.00,910.00\n"
        + "2026-03-02,9点,S5,转账,,张伟,62220001,,10.00,920.00\n"
        + "2026-03-02,09:05:00,S6,转账,,张伟,62220001,,10.001,930.00\n"
        + "2026-03-02,09:06:00,S7,转账,,张伟,62220001,,10.00,940.00\n"
        + "2026-03-02,09:07:00,S7,转账,,张伟,62220001,,10.00,950.00\n"
    ).encode("gbk")
    assert problems_of(data, ICBC) == [
        (2, "贷方发生额", c.BOTH_SIDES),
        (3, "贷方发生额", c.NEGATIVE_AMOUNT),
        (4, "贷方发生额", c.NOT_A_NUMBER),
        (5, "交易日期", c.BAD_DATE),
        (6, "交易时间", c.BAD_TIME),
        (7, "贷方发生额", c.TOO_MANY_DECIMALS),
        (9, "流水号", c.DUPLICATE_REFERENCE),
    ]


def test_bank_missing_mapped_columns_are_named_against_the_header_row():
    data = "标题\n交易日期,摘要,对方户名,借方发生额,贷方发生额\n2026-03-02,x,y,,1.00\n".encode()
    assert problems_of(data, "icbc") == [
        (2, "交易时间", c.MISSING_COLUMN),
        (2, "余额", c.MISSING_COLUMN),
        (2, "对方账号", c.MISSING_COLUMN),
        (2, "用途", c.MISSING_COLUMN),
        (2, "流水号", c.MISSING_COLUMN),
    ]
    assert problems_of(b"a,b\n1,2\n", "ccb")[0] == (0, "交易时间", c.MISSING_COLUMN)


def test_equal_transfers_without_serial_get_distinct_stable_references():
    row = "2026-03-02,10:00:00,,跨行汇入,3-2-101物业费,张伟,62220001,,300.00,\n"
    data = (BANK_HEADER + row + row).encode()
    first, second = parse_bank(data, ICBC)
    assert second.reference == first.reference + "-2"
    assert [r.reference for r in parse_bank(data, ICBC)] == [first.reference, second.reference]


def test_mappings_are_checked_when_made():
    with pytest.raises(ValueError):
        BankMapping("x", {"date": "日期", "credit": "贷"})  # no debit column
    with pytest.raises(ValueError):
        BankMapping("x", {"date": ("日期", "时间"), "credit": "贷", "debit": "借"})
    with pytest.raises(ValueError):
        BankMapping("x", {"date": "日期", "credit": "贷", "debit": "借", "amount": "金额"})
    assert [m.name for m in BANK_MAPPINGS] == ["icbc", "ccb"] and CCB.method == "bank_transfer"


# --- detection, file-level problems, determinism ----------------------------------------------


@pytest.mark.parametrize(
    ("name", "layout"),
    [
        ("generic.csv", "generic"),
        ("wechat.csv", "wechat"),
        ("alipay.csv", "alipay"),
        ("icbc.csv", "icbc"),
        ("icbc.xls", "icbc"),
        ("ccb.xlsx", "ccb"),
    ],
)
def test_the_layout_is_detected(name, layout):
    if name.endswith(".xls"):
        pytest.importorskip("xlrd")
    assert detect_format(sample(name)) == layout
    explicit = "bank" if layout in ("icbc", "ccb") else layout
    assert parse_statement(sample(name), explicit) == parse_statement(sample(name))


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b" \r\n\r\n", b",,,\n"])
def test_an_empty_file(data):
    assert problems_of(data) == [(0, "", c.EMPTY_FILE)]


@pytest.mark.parametrize(
    ("data", "format", "message"),
    [
        ("收款人,金额\n张伟,100\n".encode(), None, c.UNKNOWN_LAYOUT),
        (sample("generic.csv"), "paypal", c.UNKNOWN_FORMAT),
        (sample("generic.csv"), "bank", c.NO_MAPPING),
        (b"\x80\xff\x80\xff\x00", None, c.UNREADABLE_TEXT),
        (b"PK\x03\x04 not really a workbook", None, c.UNREADABLE_SHEET),
        (sample("ccb.xlsx"), "wechat", c.UNREADABLE_TEXT),
    ],
)
def test_file_level_problems(data, format, message):
    assert problems_of(data, format) == [(0, "", message)]


def test_xls_without_xlrd(monkeypatch):
    monkeypatch.setitem(sys.modules, "xlrd", None)
    assert problems_of(sample("icbc.xls")) == [(0, "", c.XLS_UNSUPPORTED)]


def test_malformed_csv_names_the_line():
    data = b"date,amount,method\n" + b'"' + b"x" * 200_000
    assert problems_of(data, "generic") == [(2, "", c.UNREADABLE_CSV)]


def test_the_wrong_explicit_layout_names_its_missing_columns():
    assert (1, "支付宝交易号", c.MISSING_COLUMN) in problems_of(sample("generic.csv"), "alipay")
    assert problems_of(sample("alipay.csv"), "wechat")[0][2] == c.MISSING_COLUMN


@pytest.mark.parametrize(
    "name", ["generic.csv", "wechat.csv", "alipay.csv", "icbc.csv", "ccb.xlsx"]
)
def test_parsing_is_deterministic_and_rows_are_well_formed(name):
    first, again = parse_statement(sample(name)), parse_statement(sample(name))
    assert first == again and [r.reference for r in first] == [r.reference for r in again]
    assert len({(r.method, r.reference) for r in first}) == len(first)
    for row in first:
        assert row.amount > 0 and row.amount.as_tuple().exponent == -2
        assert row.kind in ("payment", "refund")
        assert row.paid_at.utcoffset() == timedelta(hours=8)
        hash(row)  # rows can go into sets


def test_statement_error_lists_every_problem():
    error = StatementError([Problem(3, "amount", "x"), Problem(1, "date", "y")])
    assert [p.row for p in error.problems] == [1, 3]
    assert "row 1 date: y" in str(error)
    assert pickle.loads(pickle.dumps(error)).problems == error.problems
    assert all(isinstance(m, str) and m for m in c.MESSAGES)


def test_parsers_by_layout():
    assert parse_wechat(sample("wechat.csv")) == parse_statement(sample("wechat.csv"))
    assert parse_alipay(sample("alipay.csv")) == parse_statement(sample("alipay.csv"))
    assert parse_bank(sample("ccb.xlsx"), CCB) == parse_statement(sample("ccb.xlsx"), "ccb")


# --- values -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1,234.50", "1234.50"),
        ("1234.5", "1234.50"),
        (" 268.80元 ", "268.80"),
        ("¥12", "12.00"),
        ("-100.00", "-100.00"),
        ("+0.35", "0.35"),
        ("12.340", "12.34"),
        ("1,234,567.89", "1234567.89"),
        (".5", "0.50"),
        ("`100.00", "100.00"),
        ("100.00\t", "100.00"),
    ],
)
def test_amounts(text, value):
    assert parse_amount(text) == D(value) and parse_amount(text).as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("12.345", c.TOO_MANY_DECIMALS),
        ("1,23.40", c.NOT_A_NUMBER),
        ("abc", c.NOT_A_NUMBER),
        ("1e3", c.NOT_A_NUMBER),
        ("", c.REQUIRED),
        ("NaN", c.NOT_A_NUMBER),
        ("1000000000000.00", c.TOO_LARGE),
        ("12,34", c.NOT_A_NUMBER),
    ],
)
def test_bad_amounts(text, message):
    with pytest.raises(c.Invalid) as caught:
        parse_amount(text)
    assert caught.value.message == message


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("2026-03-05 09:12:45", at(2026, 3, 5, 9, 12, 45)),
        ("2026-03-05 09：12：45", at(2026, 3, 5, 9, 12, 45)),  # full-width colons
        ("2026/3/5 9:12", at(2026, 3, 5, 9, 12)),
        ("20260305 09:12:45", at(2026, 3, 5, 9, 12, 45)),
        ("2026年03月05日", at(2026, 3, 5)),
        ("2026-03-05T01:12:45+00:00", at(2026, 3, 5, 9, 12, 45)),  # aware: converted
    ],
)
def test_dates_are_china_time(text, moment):
    assert parse_paid_at(text) == moment and parse_paid_at(text).tzinfo == CN


def test_short_gbk_that_is_also_valid_utf8_is_read_as_gbk():
    data = "date,amount,method,remark\n2026-03-05,100.00,cash,业\n".encode("gbk")
    data.decode("utf-8")  # valid UTF-8 too: 业 is D2 B5, which UTF-8 reads as ҵ
    assert parse_statement(data)[0].remark == "业"
    text = "date,amount,method,remark\n2026-03-05,100.00,cash,3-2-101 Ђорђе 🏠\n"
    assert parse_statement(text.encode("utf-8"))[0].remark == "3-2-101 Ђорђе 🏠"


fen = st.decimals(min_value=D("-99999999999.99"), max_value=D("99999999999.99"), places=2)


@given(value=fen, suffix=st.sampled_from(["", "元", " 元"]), currency=st.booleans())
def test_amounts_with_thousands_separators_round_trip(value, suffix, currency):
    sign = "-" if value < 0 else ""
    text = f"{sign}{'¥' if currency else ''}{abs(value):,.2f}{suffix}"
    assert parse_amount(text) == value


@given(value=fen, extra=st.integers(1, 9))
def test_a_third_decimal_is_refused(value, extra):
    with pytest.raises(c.Invalid):
        parse_amount(f"{value:.2f}{extra}")


safe_text = st.text(st.sampled_from("张伟李娜物业费停车-0123456789 ab"), max_size=12)
generic_rows = st.lists(
    st.tuples(
        st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31)),
        fen.filter(lambda d: d != 0),
        st.sampled_from(["bank_transfer", "wechat", "alipay", "cash"]),
        safe_text,
        safe_text,
    ),
    max_size=8,
)


@given(rows=generic_rows)
def test_generic_csv_round_trips(rows):
    lines = ["date,amount,method,payer_name,remark"] + [
        f'{when:%Y-%m-%d %H:%M:%S},"{amount:,.2f}",{method},{name},{remark}'
        for when, amount, method, name, remark in rows
    ]
    data = "\r\n".join(lines).encode("gbk")
    parsed = parse_statement(data)
    assert [(r.paid_at, r.signed_amount, r.method, r.payer_name, r.remark) for r in parsed] == [
        (when.replace(microsecond=0, tzinfo=CN), amount, method, name.strip(), remark.strip())
        for when, amount, method, name, remark in rows
    ]
    assert parse_statement(data) == parsed  # same references on a second read
    assert len({(r.method, r.reference) for r in parsed}) == len(parsed)
