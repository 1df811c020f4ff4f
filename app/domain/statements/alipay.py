"""The Alipay business detail bill (业务明细), usually GBK.

Lines starting with ``#`` are the bill's header (``#支付宝业务明细查询``, ``#账号：[…]``, …) and
footer (``#交易合计：…``, ``#退款合计：…``, ``#导出时间：…``); the first other line is the column
header. Fields often end in tabs and spaces, and amount headers are written ``（元）`` or ``(元)``.
业务类型 交易 is a payment of 商家实收（元）, referenced by 支付宝交易号; 退款 is a refund of the
absolute 商家实收 (negative in the file), referenced by ``<支付宝交易号>/<退款批次号/请求号>`` (a
request number is unique only within its trade) or, without one, ``<支付宝交易号>/R<完成时间>``.
The footer's two 合计 lines are required (a file without them is cut or edited) and checked:
``#交易合计：N笔，商家实收共X元，…`` against the 交易 rows and
``#退款合计：N笔，商家实收退款共-X元，…`` against the 退款 rows (count and 商家实收 sum).
"""

import re
from decimal import Decimal

from .core import (
    DUPLICATE_REFERENCE,
    MISSING_COLUMN,
    NEGATIVE_AMOUNT,
    NO_SUMMARY,
    PAYMENT,
    REFUND,
    REQUIRED,
    TOTAL_MISMATCH,
    UNKNOWN_TYPE,
    Grid,
    Header,
    Invalid,
    Problem,
    References,
    StatementError,
    StatementRow,
    is_blank,
    join_text,
    text_of,
)
from .values import parse_amount, parse_paid_at

METHOD = "alipay"
TRADE_NO, TYPE, FINISHED, CREATED = "支付宝交易号", "业务类型", "完成时间", "创建时间"
NET, REFUND_NO = "商家实收(元)", "退款批次号/请求号"
REQUIRED_COLUMNS = (TRADE_NO, TYPE, FINISHED, NET)
KINDS = {"交易": PAYMENT, "退款": REFUND}
TOTALS = {"交易合计": PAYMENT, "退款合计": REFUND}  # the footer lines, by the rows they add up
_TOTAL = re.compile(r"^#\s*(交易合计|退款合计)[:：]")
_TOTAL_COUNT = re.compile(r"^[^，,]*?(\d+)\s*笔")
_TOTAL_NET = re.compile(r"商家实收(?:退款)?共\s*([+-]?\d[\d,]*(?:\.\d+)?)\s*元")
_PAYER = re.compile(r"^(?P<name>[^(（]+)[(（](?P<account>.+)[)）]$")


def _is_comment(cells) -> bool:
    return bool(cells) and text_of(cells[0]).startswith("#")


def _header(grid: Grid) -> Header | None:
    for row, cells in grid:
        if not is_blank(cells) and not _is_comment(cells):
            return Header(row, cells)
    return None


def matches(grid: Grid) -> bool:
    header = _header(grid)
    return header is not None and TRADE_NO in header


def _payer(text: str) -> tuple[str, str]:
    """对方账户 is ``name(account)``, or just an account."""
    match = _PAYER.match(text)
    return (match["name"].strip(), match["account"].strip()) if match else ("", text)


def parse(grid: Grid) -> list[StatementRow]:
    header = _header(grid)
    if header is None:
        raise StatementError([Problem(0, TRADE_NO, MISSING_COLUMN)])
    problems = header.missing(REQUIRED_COLUMNS)
    if problems:
        raise StatementError(problems)
    rows, refs = [], References()
    counts = {PAYMENT: 0, REFUND: 0}
    sums = {PAYMENT: Decimal(0), REFUND: Decimal(0)}
    footers, sums_ok = [], True
    for row, cells in grid:
        if row <= header.row or is_blank(cells):
            continue
        if _is_comment(cells):
            footers.append((row, ",".join(text_of(c) for c in cells)))
            continue
        ragged = header.ragged(row, cells)
        if ragged:
            problems.append(ragged)
            sums_ok = False
            continue
        found = []
        kind = KINDS.get(header.text(cells, TYPE))
        if kind is None:
            message = UNKNOWN_TYPE if header.text(cells, TYPE) else REQUIRED
            found.append(Problem(row, header.label(TYPE), message))
        else:
            counts[kind] += 1
        try:
            net = parse_amount(header.cell(cells, NET))
            if kind:
                sums[kind] += net
            if kind == PAYMENT and net < 0:
                found.append(Problem(row, header.label(NET), NEGATIVE_AMOUNT))
        except Invalid as bad:
            found.append(Problem(row, header.label(NET), bad.message))
            sums_ok = False
        when = FINISHED if header.text(cells, FINISHED) or CREATED not in header else CREATED
        try:
            paid_at = parse_paid_at(header.cell(cells, when))
        except Invalid as bad:
            found.append(Problem(row, header.label(when), bad.message))
        trade = header.text(cells, TRADE_NO)
        if not trade:
            found.append(Problem(row, header.label(TRADE_NO), REQUIRED))
        if found:
            problems += found
            continue
        assert kind is not None  # else a problem was found
        if not net:
            continue  # nothing settled (paid in full by coupons)
        reference, column = trade, TRADE_NO
        if kind == REFUND:
            request = header.text(cells, REFUND_NO)
            reference = f"{trade}/{request or paid_at.strftime('R%Y%m%d%H%M%S')}"
            column = REFUND_NO if request else TRADE_NO
        if not refs.claim(METHOD, reference, row):
            problems.append(Problem(row, header.label(column), DUPLICATE_REFERENCE))
            continue
        payer_name, payer_account = _payer(header.text(cells, "对方账户"))
        rows.append(
            StatementRow(
                row=row,
                method=METHOD,
                reference=reference,
                paid_at=paid_at,
                amount=abs(net),
                kind=kind,
                payer_name=payer_name,
                payer_account=payer_account,
                remark=join_text(header.text(cells, "商品名称"), header.text(cells, "备注")),
                raw=header.raw(cells),
                refund_of=trade if kind == REFUND else "",
            )
        )
    problems += _check_footer(footers, counts, sums if sums_ok else None)
    if problems:
        raise StatementError(problems)
    return rows


def _check_footer(footers, counts, sums) -> list[Problem]:
    """The 合计 lines: each present, with its count and 商家实收 sum; checked against the rows
    unless ``sums`` is None (detail amounts were unreadable: those rows are reported)."""
    problems, seen = [], set()
    for row, text in footers:
        match = _TOTAL.match(text)
        if not match:
            continue
        column, rest = match[1], text[match.end() :]
        seen.add(column)
        count, net = _TOTAL_COUNT.search(rest), _TOTAL_NET.search(rest)
        if count is None or net is None:
            problems.append(Problem(row, column, NO_SUMMARY))
            continue
        kind = TOTALS[column]
        if sums is not None and (
            int(count[1]) != counts[kind]
            or abs(Decimal(net[1].replace(",", ""))) != abs(sums[kind])
        ):
            problems.append(Problem(row, column, TOTAL_MISMATCH))
    return problems + [Problem(0, c, NO_SUMMARY) for c in TOTALS if c not in seen]
