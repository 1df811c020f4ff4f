"""Amounts in Chinese capital numerals (大写金额), as receipts and vouchers print them.

Rules (People's Bank of China, 正确填写票据和结算凭证的基本规定):

- digits 零壹贰叁肆伍陆柒捌玖, places 拾佰仟, sections 万 and 亿, then 元, 角, 分;
  ``10`` is 壹拾元整, never 拾元整;
- the integer part reads as the number is spoken: a run of zeros between two non-zero digits is
  one 零, also across 万 and 亿 (1005 壹仟零伍, 107000 壹拾万零柒仟, 100010000 壹亿零壹万);
  trailing zeros write nothing (100000 壹拾万元整);
- after 元, 零 is written only where 角 is zero and 分 is not (1005.07 壹仟零伍元零柒分);
  a zero 元 place before a non-zero 角 writes none (1680.32 壹仟陆佰捌拾元叁角贰分), the
  second of the two forms the rules allow;
- an amount that ends at 元 or 角 ends with 整; one that has 分 does not;
- below one yuan there is no 元 (0.05 伍分, 0.50 伍角整); zero is 零元整.

Amounts are ``Decimal`` yuan with at most two decimals, from 0 to 9999,9999,9999.99 (亿 is the
largest section); anything else is refused.
"""

from decimal import Decimal

DIGITS = "零壹贰叁肆伍陆柒捌玖"
PLACES = ("", "拾", "佰", "仟")
SECTIONS = {4: "万", 8: "亿"}  # written after the section ending at that power of ten
LIMIT = 10**12  # yuan: the first amount that would need 万亿


def amount_in_capitals(amount: Decimal) -> str:
    """``Decimal("1234.50")`` -> ``"壹仟贰佰叁拾肆元伍角整"``.

    :raises TypeError: for a float or anything not a ``Decimal`` or ``int``.
    :raises ValueError: for a negative amount, more than two decimals or 1 万亿 and above.
    """
    if isinstance(amount, bool) or not isinstance(amount, Decimal | int):
        raise TypeError(f"amount must be a Decimal, not {type(amount).__name__}")
    value = Decimal(amount)
    if not value.is_finite() or value < 0:
        raise ValueError(f"not a non-negative amount: {amount}")
    if value >= LIMIT:
        raise ValueError(f"too large for 亿: {amount}")
    if value % Decimal("0.01"):  # exact, unlike multiplying or normalizing long values
        raise ValueError(f"more than two decimals: {amount}")
    yuan, rest = divmod(int(value * 100), 100)
    if not yuan and not rest:
        return "零元整"
    jiao, fen = divmod(rest, 10)
    words = [_integer(yuan) + "元"] if yuan else []
    if jiao:
        words.append(DIGITS[jiao] + "角")
    if fen:
        words.append(("零" if yuan and not jiao else "") + DIGITS[fen] + "分")
    else:
        words.append("整")
    return "".join(words)


def _integer(yuan: int) -> str:
    """A positive whole number of yuan, e.g. ``107000`` -> ``"壹拾万零柒仟"``."""
    words, gap = [], False
    section_has_digit = False
    for power in range(len(str(yuan)) - 1, -1, -1):
        digit = yuan // 10**power % 10
        if digit:
            if gap:
                words.append("零")
            words.append(DIGITS[digit] + PLACES[power % 4])
            gap, section_has_digit = False, True
        else:
            gap = True
        if power in SECTIONS and section_has_digit:
            words.append(SECTIONS[power])  # closes a section that has a digit: 壹拾万, 壹亿
            section_has_digit = False
    return "".join(words)
