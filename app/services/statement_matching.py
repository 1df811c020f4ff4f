"""Statement import, matching (docs/domain.md §4): which unit a statement row pays for, within the
communities an import may touch; the candidate units of a waiting entry; payer accounts.

- **Scope.** An import touches the caller's communities (every community for the CLI and
  jobs), or only the one it is made for (``community_id``, refused unless it is one of the
  caller's). Unit codes repeat across communities (every 小区 has a 1-1-101), so a file of one
  community's bank account is best imported for that community.
- **A payment code in the remark** (一户一码: 8 digits standing alone, check digit right;
  app/domain/payment_codes.py) names its unit in the whole company: it is tried first, and
  matches when exactly one of the codes read names a unit in scope. A code naming a unit out
  of scope makes the row wait (the owner meant that unit, not one the remark's unit code
  finds here); a code naming no unit at all is some other number, and is ignored.
- **A unit code in the remark** (``3-2-101``; full-width digits and dashes read too) that is a
  unit in scope. It must point at exactly one unit. A community named in the remark (its name,
  e.g. 碧园小区; of two names found one inside the other, the longer) narrows the codes to its
  units: a remark naming another community than the import's then matches nothing. When the
  codes point at several units, the payer account decides if its remembered unit is one of
  them; otherwise the row waits.
- **No code in the remark:** a remembered ``PayerAccount`` in scope (and in the community the
  remark names, if any). A remark naming a unit wins over the account, since one payer may pay
  for several units. A masked account (``138****5678``, as Alipay shows it) is never used or
  remembered: many payers share one mask.
- **A waiting row's community** is the import's, else the one its candidates (or the remark)
  agree on, else unknown: every cashier's to sort out.
- **Candidates.** The queue shows, for a waiting entry, the units its remark's codes name in the
  user's communities (of every community named alike), so that the cashier picks one.
"""

import re
import unicodedata
from datetime import UTC, datetime
from typing import NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.payment_codes import codes_in
from app.models import Building, Community, PayerAccount, StatementEntry, Unit
from app.security.scoping import visible_community_ids
from app.services.errors import DomainError
from app.services.rows import visible_only, visible_rows

# Entry statuses.
MATCHED = "matched"  # a payment, recorded automatically
ASSIGNED = "assigned"  # a payment, recorded by a cashier from the queue
UNMATCHED = "unmatched"  # a payment waiting for a cashier
REFUND_WAITING = "refund"  # a refund waiting for a cashier
REVERSED = "reversed"  # a refund that reversed its payment (or cancelled its waiting entry)
REFUNDED = "refunded"  # a payment entry refunded in full
DUPLICATE = "duplicate"  # a payment already recorded under the same reference
STATUSES = (MATCHED, ASSIGNED, UNMATCHED, REFUND_WAITING, REVERSED, REFUNDED, DUPLICATE)
WAITING = (UNMATCHED, REFUND_WAITING)  # the cashier's queue

_DASHES = str.maketrans({c: "-" for c in "‐‑‒–—―−﹣"})
_UNIT_CODE = re.compile(r"(?<![A-Za-z0-9-])[A-Za-z0-9]+(?:-[A-Za-z0-9]+)+(?![A-Za-z0-9-])")
MAX_ID = 2**31 - 1  # an integer key; larger numbers are no community (and overflow PostgreSQL)
NOT_YOURS = _l("Choose one of your communities.")


class Candidate(NamedTuple):
    """A unit a waiting entry's remark may mean (no personal data: the owner is not shown)."""

    unit_id: int
    unit_code: str
    community_id: int
    community_code: str
    community_name: str

    @property
    def label(self) -> str:
        return f"{self.community_name} {self.unit_code}"

    def as_dict(self) -> dict:
        return {
            "unit_id": self.unit_id,
            "unit_code": self.unit_code,
            "community_id": self.community_id,
            "community": self.community_name,
        }


def unit_codes(remark: str) -> list[str]:
    """The unit-code-like tokens of a remark (``3-2-101``), full-width forms read as ASCII."""
    text = unicodedata.normalize("NFKC", remark or "").translate(_DASHES)
    return list(dict.fromkeys(_UNIT_CODE.findall(text)))


def is_masked(account: str) -> bool:
    return "*" in account


def _plain(text: str) -> str:
    """Text for finding a name in a remark: NFKC, no whitespace."""
    return "".join(unicodedata.normalize("NFKC", text or "").split())


def chosen_community(session: Session, community_id) -> int | None:
    """The community an import is made for (None: none chosen); refused, naming
    ``community_id``, unless it is one of the caller's communities."""
    if community_id is None or community_id == "":
        return None
    try:
        value = int(community_id) if not isinstance(community_id, bool | float) else 0
    except (TypeError, ValueError):
        value = 0
    ids = visible_community_ids()
    if not 0 < value <= MAX_ID or (ids is not None and value not in ids):
        raise DomainError(community_id=NOT_YOURS)
    if session.get(Community, value) is None:  # unscoped: one of the user's, checked above
        raise DomainError(community_id=NOT_YOURS)
    return value


class Matcher:
    """Finds the unit of a payment row within the communities the import may touch."""

    def __init__(self, session: Session, community_id: int | None = None):
        self.session = session
        self.chosen = community_id
        self.ids = {community_id} if community_id is not None else visible_community_ids()
        self._names: list[tuple[int, str]] | None = None

    def in_scope(self, community_id) -> bool:
        return self.ids is None or community_id in self.ids

    def named(self, remark: str) -> set[int]:
        """The communities (of all, not only those in scope) whose name the remark holds."""
        if self._names is None:
            rows = self.session.execute(select(Community.id, Community.name))
            self._names = [(cid, _plain(name)) for cid, name in rows if _plain(name)]
        text = _plain(remark)
        found = [(cid, name) for cid, name in self._names if name in text]
        return {cid for cid, name in found if not any(name in o and name != o for _, o in found)}

    def _units(self, column, values: list) -> list[tuple[int, int]]:
        """(unit id, community id) of the units in scope whose ``column`` is one of
        ``values``."""
        if not values:
            return []
        query = visible_only(
            select(Unit.id, Building.community_id)
            .join(Building, Unit.building_id == Building.id)
            .where(column.in_(values)),
            Building,
            self.ids,
        )
        return [(unit_id, community_id) for unit_id, community_id in self.session.execute(query)]

    def _units_elsewhere(self, ids: list[int]) -> bool:
        """Whether any of the unit ids exists (in any community)."""
        # unscoped: only whether a code names a unit at all, to keep its row from another unit
        return self.session.scalar(select(Unit.id).where(Unit.id.in_(ids)).limit(1)) is not None

    def _account_unit(self, account: str) -> tuple[int, int] | None:
        if not account or is_masked(account):
            return None
        known = self.session.scalar(
            visible_rows(PayerAccount, self.ids).where(PayerAccount.account == account)
        )
        if known is None:
            return None
        return known.unit_id, known.community_id

    def unit_for(self, remark: str, account: str) -> tuple[int | None, int | None]:
        """(unit id, community id) of the payment; unit None when it must wait (the community
        then the import's, or the one the hints agree on)."""
        codes = codes_in(remark)
        coded = self._units(Unit.id, codes)
        if len(coded) == 1:
            return coded[0]
        if codes and not coded and self._units_elsewhere(codes):
            return None, self.chosen  # paid for a unit this import may not touch

        named = self.named(remark)
        candidates = self._units(Unit.code, unit_codes(remark))
        if named:
            candidates = [c for c in candidates if c[1] in named]
        if len(candidates) == 1:
            return candidates[0]
        by_account = self._account_unit(account)
        if by_account and (not named or by_account[1] in named):
            if not candidates or by_account in candidates:
                return by_account
        if self.chosen is not None:
            return None, self.chosen
        communities = {community_id for _, community_id in candidates} or named
        return None, (next(iter(communities)) if len(communities) == 1 else None)


def candidate_units(session: Session, entries) -> dict[int, list[Candidate]]:
    """For each of ``entries`` (by id): the units its remark's codes name in the caller's
    communities, by code as written, then community code; none for an entry no longer
    waiting for a unit. One query for them all."""
    codes = {
        entry.id: unit_codes(entry.remark)
        if entry.status in WAITING and entry.unit_id is None
        else []
        for entry in entries
    }
    wanted = sorted({code for found in codes.values() for code in found})
    units: dict[str, list[Candidate]] = {}
    if wanted:
        query = visible_only(
            select(Unit.id, Unit.code, Community.id, Community.code, Community.name)
            .join(Building, Unit.building_id == Building.id)
            .join(Community, Building.community_id == Community.id)
            .where(Unit.code.in_(wanted))
            .order_by(Community.code, Unit.id),
            Community,
            visible_community_ids(),
        )
        for row in session.execute(query):
            units.setdefault(row[1], []).append(Candidate(*row))
    return {
        entry_id: [c for code in found for c in units.get(code, [])]
        for entry_id, found in codes.items()
    }


# --- the cashier's queue -------------------------------------------------------------------------


def entry_in_scope(entry: StatementEntry) -> bool:
    """Whether the current user may see ``entry``: its community is theirs, or unknown."""
    ids = visible_community_ids()
    return ids is None or entry.community_id is None or entry.community_id in ids


def learn_payer_account(session: Session, account: str, unit: Unit) -> PayerAccount | None:
    """Remember that ``account`` pays for ``unit`` (the latest assignment wins, within the
    caller's communities); masked or empty accounts are not remembered."""
    account = (account or "").strip()
    if not account or is_masked(account):
        return None
    community_id = unit.building.community_id
    # unscoped: an account is unique across communities; another's is left alone below
    known = session.scalar(select(PayerAccount).where(PayerAccount.account == account))
    now = datetime.now(UTC)
    if known is None:
        known = PayerAccount(
            account=account, community_id=community_id, unit_id=unit.id, learned_at=now
        )
        session.add(known)
    elif known.unit_id != unit.id:
        ids = visible_community_ids()
        if ids is not None and known.community_id not in ids:
            return None  # another community's knowledge: not ours to overwrite
        known.unit_id, known.community_id, known.learned_at = unit.id, community_id, now
    session.flush()
    return known
