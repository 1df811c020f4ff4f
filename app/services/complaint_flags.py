"""The overdue flags of complaints as SQL conditions at an instant ``now`` (docs/domain.md §9).

They say in SQL what ``Complaint.overdue_at`` says of one row, so that a list filtered on a
flag shows the rows whose flag reads 是 at the same instant:

- response overdue: acknowledged after ``respond_by``, or not acknowledged and ``respond_by``
  has passed;
- resolution overdue: resolved (latest resolution) on a business day after ``resolve_by``, or
  not resolved and ``resolve_by`` has ended.

``overdue_now`` is the stricter "still awaited and late" of the overdue list and the key
figures: a new complaint past its first-response deadline, or an unresolved one past its day.

``FlagFilter`` filters a list (screen, API, export) on a flag at the instant the request reads
(``read_at``): the API takes ``{"col": "response_overdue", "opr": "eq", "value": true}``. Lists
reach the model through ``ComplaintInterface``, whose filters include it.
"""

from datetime import datetime

from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.filters import SQLAFilterConverter
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, not_, or_

from app.clock import business_date, read_at
from app.domain import complaints as rules
from app.domain.complaints import Status
from app.models import Complaint


def response_late(now: datetime):
    """SQL condition: the first response is (or was) late at ``now``."""
    answered = Complaint.acknowledged_at.is_not(None)  # spelt out: never NULL, so NOT works
    return or_(
        and_(answered, Complaint.acknowledged_at > Complaint.respond_by),
        and_(~answered, Complaint.respond_by < now),
    )


def resolution_late(now: datetime):
    """SQL condition: the resolution is (or was) late at ``now``."""
    resolved = Complaint.resolved_on.is_not(None)
    return or_(
        and_(resolved, Complaint.resolved_on > Complaint.resolve_by),
        and_(~resolved, Complaint.resolve_by < business_date(now)),
    )


FLAGS = {"response_overdue": response_late, "resolution_overdue": resolution_late}
YES = frozenset({"y", "yes", "true", "1", "on"})


class FlagFilter(BaseFilter):
    """The rows whose flag (the column name, a key of ``FLAGS``) reads yes, or no, now."""

    name = _l("Equal to")
    arg_name = "flag_eq"  # FAB's "eq" compares a stored column: the API maps it to this

    def apply(self, query, value):
        late = FLAGS[self.column_name](read_at())
        return query.filter(late if str(value).strip().lower() in YES else not_(late))


def awaiting_response(now: datetime):
    """SQL condition: still new after its first-response deadline."""
    return and_(Complaint.status == Status.NEW, Complaint.respond_by < now)


def awaiting_resolution(now: datetime):
    """SQL condition: unresolved after its resolution day."""
    return and_(Complaint.status.in_(rules.UNRESOLVED), Complaint.resolve_by < business_date(now))


def overdue_now(now: datetime):
    """SQL condition: unresolved and past a deadline still awaited at ``now`` (the first
    response of a new complaint, or the resolution day)."""
    return or_(awaiting_response(now), awaiting_resolution(now))


class FlagConverter(SQLAFilterConverter):
    """FAB's filters of a complaint list, with ``FlagFilter`` for the computed flags."""

    def convert(self, col_name):
        if col_name in FLAGS:
            return [FlagFilter(col_name, self.datamodel)]
        return super().convert(col_name)


class ComplaintInterface(SQLAInterface):
    """The complaint lists' access to the model: the flags filter like stored columns."""

    filter_converter_class = FlagConverter
