"""The WeChat Pay merchant trade bill (交易账单): bill_type ALL and REFUND (27 and 29 columns,
with the refund columns) and SUCCESS (20 columns, without them).

A header line, detail lines whose every field starts with a backtick, then a summary block: a
line ``总交易单数,应结订单总金额,退款总金额,…`` and a backticked totals line. The totals are
checked against the detail lines (count, 应结订单金额 and 退款金额); a mismatch or a missing
summary is a problem. 交易状态 SUCCESS is a payment of 应结订单金额 referenced by 微信订单号;
REFUND (or any 退款金额 > 0) is a refund of 退款金额 referenced by 微信退款单号 (a bill without
the refund columns cannot hold one); REVOKED and rows that settled nothing are skipped.
"""

from decimal import Decimal

from .core import (
    DUPLICATE_REFERENCE,
    MISSING_COLUMN,
    NEGATIVE_AMOUNT,
    NO_SUMMARY,
    NOT_A_NUMBER,
    NOT_CNY,
    PAYMENT,
    REFUND,
    REQUIRED,
    TOTAL_MISMATCH,
    UNKNOWN_STATUS,
    ZERO_AMOUNT,
    Header,
    Invalid,
    Problem,
    References,
    StatementError,
    StatementRow,
    join_text,
    norm,
)
from .encoding import split_lines
from .values import amount_or_zero, parse_paid_at

METHOD = "wechat"
REQUIRED_COLUMNS = ("交易时间", "微信订单号", "交易状态", "应结订单金额")
REFUND_COLUMNS = ("微信退款单号", "退款金额")  # both or neither (the SUCCESS bill)
SUMMARY_START = "总交易单数"
# summary column -> the detail column it adds up (older bills name them 总交易额 / 总退款金额)
SUMMED = {
    "应结订单总金额": "应结订单金额",
    "总交易额": "应结订单金额",
    "退款总金额": "退款金额",
    "总退款金额": "退款金额",
}
NO_NUMBER = ("", "0")
TITLE_LINES = 3  # WeChat writes 0 for "no refund number"


def _split(line: str, width: int | None = None) -> list[str]:
    """The fields of a line. Backticked lines split on ``,``` so that a comma inside a product
    name does not shift the columns; a plain split is the fallback when the count is wrong."""
    line = line.strip()
    if line.startswith("`"):
        fields = line[1:].split(",`")
        if width is None or len(fields) == width:
            return fields
    return line.split(",")


def _is_header(line: str) -> bool:
    names = {norm(f) for f in line.split(",")}
    return "交易时间" in names and "微信订单号" in names


def matches(text: str) -> bool:
    content = [line for line in split_lines(text) if line.strip()]
    return any(_is_header(line) for line in content[: TITLE_LINES + 1])


def parse(text: str) -> list[StatementRow]:
    lines = list(enumerate(split_lines(text), start=1))
    content = [(n, line) for n, line in lines if line.strip()]
    # the header is the first line, after at most a few title lines some downloads carry
    start = next(
        (i for i, (_, line) in enumerate(content[: TITLE_LINES + 1]) if _is_header(line)), 0
    )
    content = content[start:]
    header = Header(content[0][0], _split(content[0][1]))
    refunds = any(name in header for name in REFUND_COLUMNS)
    problems = header.missing(REQUIRED_COLUMNS + (REFUND_COLUMNS if refunds else ()))
    if problems:
        raise StatementError(problems)
    width = len(header.names)
    rows, refs = [], References()
    count, sums, sums_ok = 0, {"应结订单金额": Decimal(0), "退款金额": Decimal(0)}, True
    summary = None
    for n, line in content[1:]:
        if norm(line.split(",")[0]) == SUMMARY_START:
            summary = (n, line)
            break
        cells = _split(line, width)
        count += 1
        ragged = header.ragged(n, cells)
        if ragged:
            problems.append(ragged)
            sums_ok = False
            continue
        found = []
        amounts = {}
        for column in sums:
            try:
                amounts[column] = amount_or_zero(header.cell(cells, column))
                sums[column] += amounts[column]
            except Invalid as bad:
                found.append(Problem(n, header.label(column), bad.message))
                sums_ok = False
        try:
            paid_at = parse_paid_at(header.cell(cells, "交易时间"))
        except Invalid as bad:
            found.append(Problem(n, header.label("交易时间"), bad.message))
        if header.text(cells, "货币种类") not in ("", "CNY"):
            found.append(Problem(n, header.label("货币种类"), NOT_CNY))
        status = header.text(cells, "交易状态").upper()
        order = header.text(cells, "微信订单号")
        refund_amount = abs(amounts.get("退款金额", Decimal(0)))
        kind = amount = reference = None
        if status == "REFUND" and not refunds:
            found.append(Problem(n, REFUND_COLUMNS[0], MISSING_COLUMN))
        elif status == "REFUND" or refund_amount > 0:
            kind, amount, reference = REFUND, refund_amount, header.text(cells, "微信退款单号")
            if "退款金额" in amounts and not amount:
                found.append(Problem(n, header.label("退款金额"), ZERO_AMOUNT))
            if reference in NO_NUMBER:
                found.append(Problem(n, header.label("微信退款单号"), REQUIRED))
        elif status == "SUCCESS":
            kind, amount, reference = PAYMENT, amounts.get("应结订单金额"), order
            if amount is not None and amount < 0:
                found.append(Problem(n, header.label("应结订单金额"), NEGATIVE_AMOUNT))
            if not reference:
                found.append(Problem(n, header.label("微信订单号"), REQUIRED))
        elif status != "REVOKED":
            found.append(
                Problem(n, header.label("交易状态"), UNKNOWN_STATUS if status else REQUIRED)
            )
        if found:
            problems += found
            continue
        if kind is None or not amount or reference is None:
            continue  # revoked, or settled nothing (paid in full by a voucher)
        if not refs.claim(METHOD, reference, n):
            column = "微信退款单号" if kind == REFUND else "微信订单号"
            problems.append(Problem(n, header.label(column), DUPLICATE_REFERENCE))
            continue
        rows.append(
            StatementRow(
                row=n,
                method=METHOD,
                reference=reference,
                paid_at=paid_at,
                amount=amount,
                kind=kind,
                payer_name="",
                payer_account=header.text(cells, "用户标识"),
                remark=join_text(header.text(cells, "商品名称"), header.text(cells, "商户数据包")),
                raw=header.raw(cells),
                refund_of=order if kind == REFUND else "",
            )
        )
    if summary is None:
        problems.append(Problem(0, SUMMARY_START, NO_SUMMARY))
    elif sums_ok:
        problems += _check_totals(content, summary, count, sums)
    if problems:
        raise StatementError(problems)
    return rows


def _check_totals(content, summary: tuple[int, str], count: int, sums: dict) -> list[Problem]:
    """Compare the totals line (the first line after the summary header) with the details."""
    start, names = summary[0], summary[1].split(",")
    after = [(n, line) for n, line in content if n > start]
    if not after:
        return [Problem(start, SUMMARY_START, NO_SUMMARY)]
    n, line = after[0]
    totals = Header(start, names)
    values = _split(line, len(names))
    ragged = totals.ragged(n, values)
    if ragged:
        return [ragged]
    problems = []
    try:
        if SUMMARY_START in totals and int(totals.text(values, SUMMARY_START)) != count:
            problems.append(Problem(n, totals.label(SUMMARY_START), TOTAL_MISMATCH))
    except ValueError:
        problems.append(Problem(n, totals.label(SUMMARY_START), NOT_A_NUMBER))
    for name, column in SUMMED.items():
        if name not in totals:
            continue
        try:
            if amount_or_zero(totals.cell(values, name)) != sums[column]:
                problems.append(Problem(n, totals.label(name), TOTAL_MISMATCH))
        except Invalid as bad:
            problems.append(Problem(n, totals.label(name), bad.message))
    return problems
