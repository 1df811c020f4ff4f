"""Statement files as the payment platforms and the bank write them (docs/statement-formats.md):
the WeChat Pay trade bill of ``bill_type=SUCCESS``, the Alipay business detail bill and an ICBC
account statement, each from a list of ``Paid`` rows. The demo imports them as a cashier would.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class Paid:
    """One incoming payment: when, how much, the transaction's own number, who paid (their
    account as the platform shows it) and the remark the payer wrote."""

    at: datetime  # China time
    amount: Decimal
    number: str
    payer_name: str
    payer_account: str
    remark: str


WECHAT_HEADER = (
    "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,"
    "付款银行,货币种类,应结订单金额,代金券金额,商品名称,商户数据包,手续费,费率,订单金额,费率备注"
)
WECHAT_SUMMARY = (
    "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额"
)
FEE_RATE = Decimal("0.006")


def _fee(amount: Decimal) -> Decimal:
    return (amount * FEE_RATE).quantize(Decimal("0.00001"))


def wechat_bill(rows: list[Paid], merchant: str, payee: str) -> bytes:
    """WeChat Pay's SUCCESS bill (UTF-8 with BOM, CRLF; every detail field after a backtick)."""
    lines = [WECHAT_HEADER]
    for row in rows:
        fields = [
            f"{row.at:%Y-%m-%d %H:%M:%S}",
            "wx8f3c2a1b9d7e6f50",
            merchant,
            "0",
            "",
            row.number,
            f"WY{row.number[-14:]}",
            row.payer_account,
            "JSAPI",
            "SUCCESS",
            "OTHERS",
            "CNY",
            f"{row.amount}",
            "0.00",
            row.remark,
            payee,
            f"{_fee(row.amount)}",
            "0.60%",
            f"{row.amount}",
            "",
        ]
        lines.append(",".join("`" + field for field in fields))
    total = sum((row.amount for row in rows), Decimal("0.00"))
    fees = sum((_fee(row.amount) for row in rows), Decimal("0.00000"))
    lines += [WECHAT_SUMMARY, f"`{len(rows)},`{total},`0.00,`0.00,`{fees},`{total},`0.00"]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


ALIPAY_HEADER = (
    "支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,"
    "对方账户,订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,"
    "商家优惠（元）,券核销金额（元）,券名称,商家红包消费金额（元）,卡消费金额（元）,"
    "退款批次号/请求号,服务费（元）,分润（元）,备注"
)
RULE = "-" * 41


def alipay_bill(rows: list[Paid], account: str, start: datetime, end: datetime) -> bytes:
    """Alipay's business detail bill (GBK, CRLF; every field padded with a tab)."""
    zero = ["0.00"] * 5
    lines = [
        "#支付宝业务明细查询",
        f"#账号：[{account}]",
        f"#起始日期：[{start:%Y年%m月%d日 %H:%M:%S}]   终止日期：[{end:%Y年%m月%d日 %H:%M:%S}]",
        f"#{RULE}业务明细列表{RULE}",
        ALIPAY_HEADER,
    ]
    for row in rows:
        at = f"{row.at:%Y-%m-%d %H:%M:%S}"
        fields = [
            row.number,
            f"WY{row.number[-14:]}",
            "交易",
            "物业服务费",
            at,
            at,
            *[""] * 4,
            f"{row.payer_name}({row.payer_account})",
            f"{row.amount}",
            f"{row.amount}",
            *zero,
            "",
            "0.00",
            "0.00",
            "",
            f"-{(row.amount * FEE_RATE).quantize(Decimal('0.01'))}",
            "0.00",
            row.remark,
        ]
        lines.append(",".join(field + "\t" for field in fields))
    total = sum((row.amount for row in rows), Decimal("0.00"))
    lines += [
        f"#{RULE}业务明细列表结束{RULE}",
        f"#交易合计：{len(rows)}笔，商家实收共{total}元，商家优惠共0.00元",
        "#退款合计：0笔，商家实收退款共0.00元，商家优惠退款共0.00元",
        f"#导出时间：[{end:%Y年%m月%d日 %H:%M:%S}]",
    ]
    return ("\r\n".join(lines) + "\r\n").encode("gbk")


ICBC_HEADER = "交易日期,交易时间,流水号,摘要,用途,对方户名,对方账号,借方发生额,贷方发生额,余额"


def icbc_statement(rows: list[Paid], account: str, holder: str, balance: Decimal) -> bytes:
    """An ICBC account statement as its online banking exports it (GBK CSV, title lines above
    the header); ``balance`` is the account's balance before the first row."""
    lines = ["中国工商银行账户历史明细", f"账号：{account},户名：{holder}", ICBC_HEADER]
    for row in rows:
        balance += row.amount
        cells = [
            f"{row.at:%Y-%m-%d}",
            f"{row.at:%H:%M:%S}",
            row.number,
            "跨行汇入",
            row.remark,
            row.payer_name,
            row.payer_account,
            "",
            f'"{row.amount:,}"',
            f'"{balance:,}"',
        ]
        lines.append(",".join(cells))
    return ("\r\n".join(lines) + "\r\n").encode("gbk")
