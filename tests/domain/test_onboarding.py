"""The pure rules of the onboarding import (docs/domain.md §14, app/domain/onboarding.py): sheets
and headers, each kind of cell as openpyxl or CSV hands it over, the ID and phone checks, the
due-date rule and the rules across the rows of one sheet."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain import onboarding as ob

UNITS, OWNERS, ARREARS, PREPAID = (ob.SHEETS[k] for k in ob.SHEETS)
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)  # 2^(17-i) mod 11, GB 11643


def with_check(body: str) -> str:
    """``body`` (17 digits) with its GB 11643-1999 check character, computed here."""
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11]


def header(sheet):
    return {c.key: i for i, c in enumerate(sheet.columns)}


def read(sheet, **cells):
    """One row of ``sheet`` in the template's column order, by column key."""
    row = [cells.get(c.key) for c in sheet.columns]
    values, problems = ob.read_row(sheet, 7, row, header(sheet))
    assert all(p.message in ob.MESSAGES and p.sheet == sheet.key and p.row == 7 for p in problems)
    return values, [(p.column, p.message) for p in problems]


def cell(sheet, key, value, **others):
    """The value read from one cell, or the message of its problem."""
    values, problems = read(sheet, **{**GOOD[sheet.key], **others, key: value})
    assert len(problems) <= 1, problems
    return problems[0][1] if problems else values[key]


GOOD = {
    "units": dict(community="C01", building="1", unit="1-1-101", area="89.5", property_type="住宅"),
    "owners": dict(
        community="C01", unit="1-1-101", name="张三", phone="13812345678", since="2020-01-01"
    ),
    "opening_arrears": dict(
        community="C01", unit="1-1-101", period="2025-12", amount="268.5", due_date="2026-01-15"
    ),
    "prepaid": dict(community="C01", unit="1-1-101", amount="500"),
}


# --- sheets, headers, template --------------------------------------------------------------


def test_the_four_sheets_in_their_order_with_the_issues_columns():
    assert list(ob.SHEETS) == ["units", "owners", "opening_arrears", "prepaid"]
    assert [s.zh for s in ob.SHEETS.values()] == ["房屋", "业主", "期初欠费", "预存"]
    assert [c.zh for c in OWNERS.columns] == [
        "小区编码",
        "楼栋编码",
        "房号",
        "姓名",
        "手机",
        "身份证号",
        "起始日期",
    ]
    optional = {s.key: {c.key for c in s.columns if not c.required} for s in ob.SHEETS.values()}
    assert optional == {
        "units": {"status"},
        "owners": {"building", "id_number"},
        "opening_arrears": {"building", "fee"},
        "prepaid": {"building"},
    }


def test_messages_are_distinct_english_text():
    assert len(set(ob.MESSAGES)) == len(ob.MESSAGES)
    assert all(m.isascii() or "–" in m or "²" in m for m in ob.MESSAGES)
    assert ob.BAD_PHONE == "not an 11-digit mobile number" and ob.REQUIRED == "required"


@pytest.mark.parametrize(
    ("title", "key"),
    [
        ("房屋", "units"),
        ("业主", "owners"),
        (" 期初欠费 ", "opening_arrears"),
        ("预存", "prepaid"),
        ("Units", "units"),
        ("OWNERS", "owners"),
        ("opening arrears", "opening_arrears"),
        ("opening-arrears", "opening_arrears"),
        ("业主 [owners]", "owners"),
        ("预存（prepaid）", "prepaid"),
        ("Sheet1", None),
        ("", None),
        ("业主 [prepaid]", None),
    ],
)
def test_a_sheet_is_found_by_its_chinese_title_or_english_key(title, key):
    found = ob.sheet_named(title)
    assert (found.key if found else None) == key


def test_the_template_header_reads_back_and_its_example_row_is_good():
    rows = ob.template_rows()
    assert list(rows) == list(ob.SHEETS)
    assert rows["units"][0][:3] == ["小区编码 [community]", "楼栋编码 [building]", "房号 [unit]"]
    for key, (head, example) in rows.items():
        sheet = ob.SHEETS[key]
        columns, problems = ob.read_header(sheet, head)
        assert problems == [] and columns == header(sheet)
        assert len(example) == len(head) and all(isinstance(v, str) for v in example)
        values, problems = ob.read_row(sheet, 2, example, columns)
        assert problems == [], (key, problems)
        assert all(values[c.key] is not None for c in sheet.columns)


@pytest.mark.parametrize(
    "names",
    [
        ["小区编码", "房号", "金额"],
        ["community", "unit", "amount"],
        ["Community", " UNIT ", "Amount"],
        ["小区编码 [community]", "房号[unit]", "金额 (amount)"],
        ["小区编码［community］", "房号（unit）", "金额【amount】"],
        ["*小区编码", "房 号", "金额(元)"],
    ],
)
def test_a_header_names_its_column_in_chinese_english_or_both(names):
    columns, problems = ob.read_header(PREPAID, [None, *names])
    assert problems == []
    assert columns == {"community": 1, "unit": 2, "amount": 3}


def test_an_unknown_or_repeated_header_and_a_missing_required_column_are_problems():
    cells = ["房号", "小区", "备注", "姓名 [phone]", "unit", "", None, "手机号码", "phone"]
    columns, problems = ob.read_header(OWNERS, cells)
    assert columns == {"unit": 0, "phone": 8}
    assert problems == [
        ob.Problem("owners", 1, "小区", ob.UNKNOWN_COLUMN),
        ob.Problem("owners", 1, "备注", ob.UNKNOWN_COLUMN),
        ob.Problem("owners", 1, "姓名 [phone]", ob.UNKNOWN_COLUMN),
        ob.Problem("owners", 1, "unit", ob.DUPLICATE_COLUMN),
        ob.Problem("owners", 1, "手机号码", ob.UNKNOWN_COLUMN),
        ob.Problem("owners", 1, "community", ob.MISSING_COLUMN),
        ob.Problem("owners", 1, "name", ob.MISSING_COLUMN),
        ob.Problem("owners", 1, "since", ob.MISSING_COLUMN),
    ]


def test_an_optional_column_may_be_left_out_and_reads_as_none():
    columns, problems = ob.read_header(OWNERS, ["小区编码", "房号", "姓名", "手机", "起始日期"])
    assert problems == []
    values, problems = ob.read_row(
        OWNERS, 2, ["C01", "101", "李四", 13912345678, datetime(2021, 5, 1)], columns
    )
    assert problems == []
    assert values == {
        "community": "C01",
        "building": None,
        "unit": "101",
        "name": "李四",
        "phone": "13912345678",
        "id_number": None,
        "since": date(2021, 5, 1),
    }


def test_a_row_shorter_than_the_header_has_empty_cells():
    columns, _ = ob.read_header(UNITS, [c.zh for c in UNITS.columns])
    values, problems = ob.read_row(UNITS, 3, ("C01", "1", "101", 90, "车位"), columns)
    assert problems == [] and values["status"] is None
    _, problems = ob.read_row(UNITS, 4, ("C01", "1", "101"), columns)
    assert problems == [
        ob.Problem("units", 4, "area", ob.REQUIRED),
        ob.Problem("units", 4, "property_type", ob.REQUIRED),
    ]


@pytest.mark.parametrize(
    ("cells", "blank"),
    [
        ((), True),
        ((None, None), True),
        (("", "  ", "\u3000", None), True),
        ((None, 0), False),
        (("", "x"), False),
        ((None, datetime(2026, 1, 1)), False),
    ],
)
def test_is_blank(cells, blank):
    assert ob.is_blank(cells) is blank


# --- cells ------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, "", "   ", "\t"])
@pytest.mark.parametrize("sheet", [UNITS, OWNERS, ARREARS, PREPAID], ids=lambda s: s.key)
def test_every_required_cell_left_empty_is_named(sheet, value):
    for column in sheet.columns:
        if column.required:
            assert cell(sheet, column.key, value) == ob.REQUIRED, column.key
        else:
            assert cell(sheet, column.key, value) is None, column.key


@pytest.mark.parametrize(
    ("value", "read"),
    [
        ("C01", "C01"),
        (" C01 ", "C01"),
        ("Ｃ０１", "C01"),
        (1, "1"),
        (1.0, "1"),
        ("north_1", "north_1"),
        ("C 01", ob.BAD_CODE),
        ("-C01", ob.BAD_CODE),
        ("A" * 17, ob.BAD_CODE),
        ("小区一", ob.BAD_CODE),
        (1.5, ob.BAD_CODE),
    ],
)
def test_community_and_building_codes(value, read):
    assert cell(UNITS, "community", value) == read
    assert cell(UNITS, "building", value) == read


@pytest.mark.parametrize(
    ("value", "read"),
    [
        ("3-2-101", "3-2-101"),
        (101, "101"),
        (101.0, "101"),
        ("３－２－１０１", "3-2-101"),
        ("3_2_101", ob.BAD_UNIT_CODE),
        ("3 2 101", ob.BAD_UNIT_CODE),
        (datetime(2003, 3, 2), ob.BAD_UNIT_CODE),  # Excel made a date of "3-2-1"
    ],
)
def test_unit_codes(value, read):
    assert cell(UNITS, "unit", value) == read


@pytest.mark.parametrize(
    ("value", "read"),
    [
        (81.5, Decimal("81.50")),
        (90, Decimal("90.00")),
        (Decimal("81.5"), Decimal("81.50")),
        ("81.5", Decimal("81.50")),
        ("81.500", Decimal("81.50")),
        ("１２０．５", Decimal("120.50")),
        (0.01, Decimal("0.01")),
        (100000, Decimal("100000.00")),
        ("81.505", ob.TOO_MANY_DECIMALS),
        (81.505, ob.TOO_MANY_DECIMALS),
        (0, ob.BAD_AREA),
        ("-81.5", ob.BAD_AREA),
        ("100000.01", ob.BAD_AREA),
        ("1" * 40, ob.BAD_AREA),
        ("eighty", ob.NOT_A_NUMBER),
        ("8e1", ob.NOT_A_NUMBER),
        (True, ob.NOT_A_NUMBER),
        (float("nan"), ob.NOT_A_NUMBER),
    ],
)
def test_area(value, read):
    got = cell(UNITS, "area", value)
    assert got == read
    if isinstance(read, Decimal):
        assert got.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("value", "read"),
    [
        ("住宅", "residential"),
        ("商业", "commercial"),
        ("车位", "parking"),
        ("其他", "other"),
        ("residential", "residential"),
        (" Parking ", "parking"),
        ("Parking space", "parking"),
        ("商铺", ob.UNKNOWN_PROPERTY_TYPE),
        ("house", ob.UNKNOWN_PROPERTY_TYPE),
    ],
)
def test_property_type_by_code_or_label(value, read):
    assert cell(UNITS, "property_type", value) == read


@pytest.mark.parametrize(
    ("value", "read"),
    [
        ("空置", "vacant"),
        ("已入住", "occupied"),
        ("入住", "occupied"),
        ("vacant", "vacant"),
        ("OCCUPIED", "occupied"),
        ("Vacant", "vacant"),
        (None, None),
        ("出租", ob.UNKNOWN_UNIT_STATUS),
    ],
)
def test_unit_status_by_code_or_label(value, read):
    assert cell(UNITS, "status", value) == read


@pytest.mark.parametrize(
    ("value", "read"),
    [
        (13812345678, "13812345678"),
        (13812345678.0, "13812345678"),
        ("13812345678", "13812345678"),
        (" 138 1234 5678 ", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("(+86)13812345678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
        ("1381234567", ob.BAD_PHONE),
        ("138123456789", ob.BAD_PHONE),
        ("23812345678", ob.BAD_PHONE),
        ("12812345678", ob.BAD_PHONE),
        ("010-12345678", ob.BAD_PHONE),
        ("1381234567x", ob.BAD_PHONE),
        ("+1 13812345678", ob.BAD_PHONE),
    ],
)
def test_phone_is_an_11_digit_mobile_number(value, read):
    assert cell(OWNERS, "phone", value) == read
    if isinstance(value, str):
        assert ob.phone_ok(value) is (read == "13812345678")


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_every_mainland_mobile_number_passes_as_text_or_number(phone):
    assert ob.phone_ok(phone)
    assert cell(OWNERS, "phone", int(phone)) == phone


@pytest.mark.parametrize(
    ("value", "read"),
    [
        ("11010519491231002X", "11010519491231002X"),
        ("11010519491231002x", "11010519491231002X"),
        (" 110105 19491231 002X ", "11010519491231002X"),
        ("１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X"),
        ("110105194912310021", ob.BAD_ID_NUMBER),  # wrong check character
        ("11010519491231002", ob.BAD_ID_NUMBER),  # 17 characters
        ("110105491231002", ob.BAD_ID_NUMBER),  # the old 15-digit form
        ("X10105194912310021", ob.BAD_ID_NUMBER),
        (1.1010519491231002e17, ob.BAD_ID_NUMBER),  # Excel kept 15 significant digits
    ],
)
def test_id_number_has_a_valid_check_character(value, read):
    assert cell(OWNERS, "id_number", value) == read


@given(st.from_regex(r"[0-9]{17}", fullmatch=True), st.sampled_from("0123456789X"))
def test_id_number_check_character_computed_with_the_standards_weights(body, last):
    good = with_check(body)
    assert ob.id_number_ok(good) and ob.id_number_ok(good.lower())
    assert ob.id_number_ok(body + last) is (last == good[-1])


def test_a_real_id_number_as_an_integer_cell_reads_when_it_ends_in_a_digit():
    number = with_check("44030419900101123")
    assert number[-1].isdigit()
    assert cell(OWNERS, "id_number", int(number)) == number


def test_a_name_is_text_of_at_most_100_characters():
    assert cell(OWNERS, "name", "  张三  ") == "张三"
    assert cell(OWNERS, "name", "王" * 100) == "王" * 100
    assert cell(OWNERS, "name", "王" * 101) == ob.TOO_LONG


@pytest.mark.parametrize(
    ("value", "read"),
    [
        (datetime(2020, 1, 1), date(2020, 1, 1)),
        (datetime(2020, 1, 1, 13, 30), date(2020, 1, 1)),
        (date(2020, 1, 1), date(2020, 1, 1)),
        ("2020-01-01", date(2020, 1, 1)),
        ("2020-1-1", date(2020, 1, 1)),
        ("2020/01/31", date(2020, 1, 31)),
        ("2020.1.31", date(2020, 1, 31)),
        ("2020年1月31日", date(2020, 1, 31)),
        ("20200131", date(2020, 1, 31)),
        (20200131, date(2020, 1, 31)),
        ("2020-01-31 00:00:00", date(2020, 1, 31)),
        ("２０２０－０１－３１", date(2020, 1, 31)),
        ("2020-02-30", ob.BAD_DATE),
        ("2020-13-01", ob.BAD_DATE),
        ("2020-01", ob.BAD_DATE),
        ("01/31/2020", ob.BAD_DATE),
        ("yesterday", ob.BAD_DATE),
        (43831, ob.BAD_DATE),  # an Excel serial without its date format
        ("1999-12-31", ob.OUT_OF_YEARS),
        (datetime(2100, 1, 1), ob.OUT_OF_YEARS),
        ("2000-01-01", date(2000, 1, 1)),
        ("2099-12-31", date(2099, 12, 31)),
    ],
)
def test_a_date(value, read):
    assert cell(OWNERS, "since", value) == read


@given(st.dates(date(2000, 1, 1), date(2099, 12, 31)))
def test_every_day_of_the_business_years_reads_in_each_form(day):
    for form in (
        day,
        datetime.combine(day, datetime.min.time()),
        day.isoformat(),
        f"{day.year}/{day.month}/{day.day}",
        f"{day.year}年{day.month}月{day.day}日",
        day.strftime("%Y%m%d"),
    ):
        assert cell(OWNERS, "since", form) == day


@pytest.mark.parametrize(
    ("value", "read"),
    [
        ("2026-03", date(2026, 3, 1)),
        ("2026-3", date(2026, 3, 1)),
        ("2026/03", date(2026, 3, 1)),
        ("2026.03", date(2026, 3, 1)),
        ("2026年3月", date(2026, 3, 1)),
        ("202603", date(2026, 3, 1)),
        (202603, date(2026, 3, 1)),
        (datetime(2026, 3, 1), date(2026, 3, 1)),  # Excel made a date of "2026-03"
        (datetime(2026, 3, 15), date(2026, 3, 1)),
        ("2026-03-01", date(2026, 3, 1)),
        ("２０２６－０３", date(2026, 3, 1)),
        ("2026-13", ob.BAD_MONTH),
        ("2026-00", ob.BAD_MONTH),
        (2026.03, ob.BAD_MONTH),  # was it 2026.3 or 2026.03?
        ("March", ob.BAD_MONTH),
        (2026, ob.BAD_MONTH),
        ("1999-12", ob.OUT_OF_YEARS),
        ("2100-01", ob.OUT_OF_YEARS),
        (datetime(1999, 12, 1), ob.OUT_OF_YEARS),
    ],
)
def test_a_month_is_its_first_day(value, read):
    assert cell(ARREARS, "period", value, due_date="2026-04-01") == read


@pytest.mark.parametrize(
    ("value", "read"),
    [
        ("268.5", Decimal("268.50")),
        (268.5, Decimal("268.50")),
        (268, Decimal("268.00")),
        ("1,234.50", Decimal("1234.50")),
        ("¥1,234.50", Decimal("1234.50")),
        ("￥12", Decimal("12.00")),
        ("12元", Decimal("12.00")),
        ("0.01", Decimal("0.01")),
        ("999999999999.99", Decimal("999999999999.99")),
        ("1000000000000", ob.TOO_LARGE),
        ("0", ob.ZERO_AMOUNT),
        (0.0, ob.ZERO_AMOUNT),
        ("-0.00", ob.ZERO_AMOUNT),
        ("-5", ob.NEGATIVE_AMOUNT),
        ("－5", ob.NEGATIVE_AMOUNT),
        (-0.5, ob.NEGATIVE_AMOUNT),
        ("1.005", ob.TOO_MANY_DECIMALS),
        (1.005, ob.TOO_MANY_DECIMALS),
        ("-1.005", ob.TOO_MANY_DECIMALS),
        ("1,23", ob.NOT_A_NUMBER),
        ("1e3", ob.NOT_A_NUMBER),
        ("十元", ob.NOT_A_NUMBER),
    ],
)
def test_an_amount_is_above_zero_with_at_most_two_decimals(value, read):
    assert cell(ARREARS, "amount", value) == read
    assert cell(PREPAID, "amount", value) == read


@given(st.integers(1, 10**13))
def test_every_amount_in_fen_reads_the_same_as_text_and_as_an_excel_float(fen):
    amount = Decimal(fen) / 100
    assert cell(PREPAID, "amount", f"{amount:.2f}") == amount
    assert cell(PREPAID, "amount", fen / 100) == amount


@pytest.mark.parametrize(
    ("period", "due", "late"),
    [
        ("2025-12", "2026-12-31", False),
        ("2025-12", "2027-01-01", True),
        ("2025-12", "2025-11-01", False),  # early is not this rule's business
        ("2024-02", "2025-02-28", False),  # period ends on the 29th; a year later: the 28th
        ("2024-02", "2025-03-01", True),
        ("2025-04", "2026-04-30", False),
        ("2025-04", "2026-05-01", True),
    ],
)
def test_an_opening_arrear_is_due_at_most_a_year_after_its_periods_end(period, due, late):
    _, problems = read(ARREARS, **{**GOOD["opening_arrears"], "period": period, "due_date": due})
    assert problems == ([("due_date", ob.DUE_TOO_LATE)] if late else [])


def test_latest_due_date():
    assert ob.latest_due_date(date(2025, 12, 1)) == date(2026, 12, 31)
    assert ob.latest_due_date(date(2024, 2, 1)) == date(2025, 2, 28)


def test_a_bad_period_or_due_date_is_reported_once_not_as_late():
    _, problems = read(ARREARS, **{**GOOD["opening_arrears"], "period": "2025-13"})
    assert problems == [("period", ob.BAD_MONTH)]
    _, problems = read(ARREARS, **{**GOOD["opening_arrears"], "due_date": "2099-13-01"})
    assert problems == [("due_date", ob.BAD_DATE)]


def test_a_fee_is_optional_text():
    assert cell(ARREARS, "fee", " 物业服务费 ") == "物业服务费"
    assert cell(ARREARS, "fee", None) is None
    assert cell(ARREARS, "fee", "x" * 101) == ob.TOO_LONG


def test_every_bad_cell_of_a_row_is_named_in_column_order():
    row = ["C 01", None, "1-1-101", "-5", "house", "rented"]
    _, problems = ob.read_row(UNITS, 12, row, header(UNITS))
    assert problems == [
        ob.Problem("units", 12, "community", ob.BAD_CODE),
        ob.Problem("units", 12, "building", ob.REQUIRED),
        ob.Problem("units", 12, "area", ob.BAD_AREA),
        ob.Problem("units", 12, "property_type", ob.UNKNOWN_PROPERTY_TYPE),
        ob.Problem("units", 12, "status", ob.UNKNOWN_UNIT_STATUS),
    ]


def test_read_cell_raises_invalid_with_the_message():
    with pytest.raises(ob.Invalid) as err:
        ob.read_cell(OWNERS.columns[4], "12345")
    assert err.value.args[0] == ob.BAD_PHONE


# --- across rows ----------------------------------------------------------------------------


def rows_of(sheet, *changes):
    """Numbered rows (from 2) of ``sheet``: the good row with each change applied."""
    return [
        (n, read(sheet, **{**GOOD[sheet.key], **change})[0]) for n, change in enumerate(changes, 2)
    ]


def test_a_unit_listed_twice_in_units_is_named_on_its_later_rows():
    rows = rows_of(
        UNITS,
        {},
        {"building": "2"},
        {"community": "C02"},
        {"area": "100"},  # same codes as row 2
        {"unit": "1-1-102"},
        {},
        {"building": None},  # its building was reported; not compared
    )
    assert ob.sheet_problems(UNITS, rows) == [
        ob.Problem("units", 5, "unit", ob.DUPLICATE_UNIT),
        ob.Problem("units", 7, "unit", ob.DUPLICATE_UNIT),
    ]


def test_owners_of_one_unit_overlap_only_when_they_start_the_same_day():
    rows = rows_of(
        OWNERS,
        {"since": "2020-01-01"},
        {"since": "2023-06-01", "name": "李四"},  # the next owner: the first one's period ends
        {"since": "2023-06-01", "name": "王五"},  # a second owner from the same day
        {"since": "2020-01-01", "unit": "1-1-102"},
        {"since": "2020-01-01", "building": "2"},  # written with a building: compared as written
        {"since": "2020-13-01"},  # a bad day was reported; not compared
    )
    assert ob.sheet_problems(OWNERS, rows) == [
        ob.Problem("owners", 4, "since", ob.OVERLAPPING_OWNER)
    ]


def test_the_same_unit_period_and_fee_twice_in_opening_arrears():
    rows = rows_of(
        ARREARS,
        {},
        {"period": "2025-11"},
        {"fee": "停车费"},
        {"fee": "停车费", "amount": "100"},
        {"amount": "1"},
        {"unit": "1-1-102"},
    )
    assert ob.sheet_problems(ARREARS, rows) == [
        ob.Problem("opening_arrears", 5, "period", ob.DUPLICATE_ARREARS),
        ob.Problem("opening_arrears", 6, "period", ob.DUPLICATE_ARREARS),
    ]


def test_a_unit_prepaid_twice():
    rows = rows_of(PREPAID, {}, {"unit": "1-1-102"}, {"amount": "20"}, {"community": None})
    assert ob.sheet_problems(PREPAID, rows) == [
        ob.Problem("prepaid", 4, "unit", ob.DUPLICATE_PREPAID)
    ]


def test_no_problems_across_distinct_rows_or_none():
    assert ob.sheet_problems(UNITS, []) == []
    assert ob.sheet_problems(PREPAID, rows_of(PREPAID, {}, {"unit": "2"}, {"unit": "3"})) == []


def test_a_row_names_its_unit_with_or_without_the_building():
    units = ob.Units([("C01", "1", "101"), ("C01", "2", "101"), ("C01", "1", "102")])
    units.add(("C02", "A", "101"))
    assert units.find({"community": "C01", "building": "2", "unit": "101"}) == (
        ("C01", "2", "101"),
        None,
    )
    assert units.find({"community": "C01", "unit": "102"}) == (("C01", "1", "102"), None)
    assert units.find({"community": "C02", "building": None, "unit": "101"}) == (
        ("C02", "A", "101"),
        None,
    )
    assert units.find({"community": "C01", "unit": "101"}) == (None, ob.AMBIGUOUS_UNIT)
    assert units.find({"community": "C01", "building": "3", "unit": "101"}) == (
        None,
        ob.UNKNOWN_UNIT,
    )
    assert units.find({"community": "C03", "unit": "101"}) == (None, ob.UNKNOWN_UNIT)
    assert ob.unit_key({"community": "C01", "building": None, "unit": "7"}) == ("C01", "", "7")
