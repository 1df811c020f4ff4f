"""Money arithmetic: the one place that rounds.

Amounts are ``Decimal`` in yuan; every stored amount is rounded half-up to the fen (0.01) here
and nowhere else. Unit prices keep 4 places and areas 2, so a line is rounded once, at the end.
"""

from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")
ZERO = Decimal("0.00")


def to_fen(value: Decimal) -> Decimal:
    """``value`` rounded half-up to the fen: ``to_fen(Decimal("2.345")) == Decimal("2.35")``."""
    return Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


def line_amount(basis: str, price: Decimal, area: Decimal, months: int) -> Decimal:
    """A bill line (docs/domain.md §3): ``price × area × months`` for ``area``, ``price × months``
    for ``fixed``, rounded once to the fen."""
    if basis == "area":
        return to_fen(price * area * months)
    if basis == "fixed":
        return to_fen(price * months)
    raise ValueError(f"unknown basis {basis!r}")


def split_evenly(total: Decimal, parts: int) -> list[Decimal]:
    """``total`` in ``parts`` fen amounts that sum exactly to it; the last takes the remainder."""
    if parts < 1:
        raise ValueError("parts must be at least 1")
    share = (Decimal(total) / parts).quantize(FEN, rounding="ROUND_DOWN")
    return [share] * (parts - 1) + [to_fen(total) - share * (parts - 1)]


def format_money(value: Decimal | None) -> str:
    """``1234.5`` -> ``"1,234.50"``: thousands separators, always two decimals."""
    return "" if value is None else f"{to_fen(value):,.2f}"
