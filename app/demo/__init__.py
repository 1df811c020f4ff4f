"""The demo company (README, "Demo data"): ``wuye seed-demo``.

- ``master``: communities (unit codes repeat across them, as in life), buildings, units,
  owners, tariffs, one user per role and the demo's dunning procedure.
- ``money``: with its history, twelve months of the company's life up to ``today``: monthly
  billing runs, payments through every channel (WeChat Pay, Alipay and bank statements in their
  real layouts, imported and matched by the household payment code; cash and card at the
  till), late fees closed month by month, owners in arrears of every age.
- ``collection``: the dunning scans of those months, a running collection campaign with its
  calls, installment agreements.
- ``care``: complaints in every state, a closed satisfaction survey, supervision checks with
  open rectifications.

Idempotent: a second run adds nothing (each part finds what it made). Deterministic: the same
``today`` gives the same company.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Owner, Unit
from app.security.roles import ROLES

from . import care, collection, money
from .master import DEMO_PASSWORD, DEMO_VISIT, TARIFFS_FROM, USERNAMES, seed_master
from .money import first_month

PARTS = (money, collection, care)  # in this order: each lives on the one before


@dataclass(frozen=True)
class DemoResult:
    communities: int
    units: int
    owners: int
    users: list[tuple[str, str, str]]  # (role, username, password)
    history: dict[str, int]  # what the history holds, by kind (empty without it)


def seed_demo(
    session: Session,
    security_manager,
    communities: int = 2,
    units: int = 150,
    today: date | None = None,
    history: bool = False,
) -> DemoResult:
    """Create (or complete) the demo; with ``history``, its twelve months up to ``today``."""
    since = min(TARIFFS_FROM, first_month(today)) if history and today else TARIFFS_FROM
    made = seed_master(session, security_manager, communities, units, since)
    held: dict[str, int] = {}
    if history:
        assert today is not None, "the history needs its today"
        for part in PARTS:
            part.seed(session, made, today)
        for part in PARTS:
            held |= part.counts(session, made, today)
    return DemoResult(
        communities=len(made),
        units=session.scalar(select(func.count(Unit.id))),
        owners=session.scalar(select(func.count(Owner.id))),
        users=[(r, USERNAMES[r], DEMO_PASSWORD) for r in ROLES],
        history=held,
    )


__all__ = ["DEMO_PASSWORD", "DEMO_VISIT", "DemoResult", "seed_demo"]
