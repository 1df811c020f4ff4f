"""The dunning levels (分级催缴, docs/domain.md §6) an administrator edits: what a level may be.

A level's name, channel or template meaning a utility cut-off is refused, citing the Civil Code
(art. 944); only the key follow-up may be a visit (``app.domain.dunning.may_visit``).
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import dunning as rules
from app.models import DunningLevel
from app.models.dunning import DunningTemplate, LevelChannel
from app.services.errors import Problems

NO_COERCION = _l(
    "No dunning step may cut off or restrict water, electricity, gas or heating: the Civil Code "
    "(art. 944) forbids it. Demand payment within a reasonable period, then sue or apply for "
    "arbitration."
)


def validate_level(session: Session, item: DunningLevel) -> None:
    """Check a new or edited level; a name, channel or template meaning a utility cut-off is
    refused with the reason (Civil Code art. 944).

    :raises DomainError: naming every bad field (409 for a level number already taken).
    """
    problems = Problems()
    for name in rules.coercive_fields(
        name=item.name or "", channel=item.channel or "", template=item.template or ""
    ):
        problems.add(name, NO_COERCION)
    problems.raise_if_any()
    if problems.check(item.level in rules.LEVEL_NUMBERS, "level", _l("A level from 0 to 4.")):
        taken = select(DunningLevel.id).where(
            DunningLevel.level == item.level, DunningLevel.id != (item.id or 0)
        )
        with session.no_autoflush:
            problems.conflict(
                session.scalar(taken) is not None, "level", _l("This level already exists.")
            )
    problems.check(bool((item.name or "").strip()), "name", _l("This field is required."))
    problems.check(
        isinstance(item.days, int) and -60 <= item.days <= 3650,
        "days",
        _l("Between -60 (before the due date) and 3650 days."),
    )
    problems.check(
        item.days is None or item.level != rules.PRE_DUE or item.days <= 0,
        "days",
        _l("The pre-due reminder comes on or before the due date (0 or less)."),
    )
    problems.check(
        item.min_amount is not None and item.min_amount >= 0,
        "min_amount",
        _l("The minimum amount cannot be negative."),
    )
    if problems.one_of("channel", item.channel, LevelChannel):
        problems.check(
            item.channel != rules.VISIT or rules.may_visit(item.level),
            "channel",
            _l(
                "Only the key follow-up (level 3) can be a visit: reminders and letters are "
                "sent, legal action is proposed."
            ),
        )
    problems.one_of("template", item.template, DunningTemplate)
    problems.raise_if_any()
