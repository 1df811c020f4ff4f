"""Periodic jobs: one table, times in the business time zone (``WUYE_TIMEZONE``).

Each entry runs once per *slot* (one firing of its cron expression). The slot's job id is
``<name>-<YYYY-MM-DD-HHMM>`` in business time, so however many processes queue a slot, the
job table's unique job id lets one job through. The job gets the slot's business date (ISO).

``enqueue_due()`` queues each entry's latest slot unless the job table has it (a night missed
while nothing ran is caught up once). It runs with the sweeper's tick (``jobs.sweeper``):

- Redis mode: in the ``wuye worker`` processes, at most once per ``WUYE_JOB_HEARTBEAT`` seconds
  across them all, so a slot is queued within that time and no clock process is needed.
- Embedded mode: in a clock thread started with the first request the server serves (never in
  tests), every minute.
"""

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from croniter import croniter

from app.clock import business_zone

from . import enqueue
from .complaints import check as check_complaints
from .dunning import scan as scan_dunning
from .latefees import close as close_late_fees
from .ledger import check_ledger
from .supervision import daily as supervision_daily

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Periodic:
    name: str
    cron: str  # minute hour day-of-month month day-of-week, in business time
    function: Callable[[str], None]  # takes the slot's business date, ISO

    def key(self, slot: datetime) -> str:
        return f"{self.name}-{slot:%Y-%m-%d-%H%M}"


SCHEDULE = (
    # the month just ended: its late fees posted before the ledger check and the dunning scan
    Periodic("late-fee-close", "0 1 1 * *", close_late_fees),
    Periodic("ledger-check", "30 2 * * *", check_ledger),
    # before the dunning scan: complaint pauses set on the cases the scan will look at
    Periodic("complaint-check", "30 5 * * *", check_complaints),
    Periodic("dunning-scan", "0 6 * * *", scan_dunning),  # SMS wait for the quiet hours' end
    # overdue rectifications; the 1st's slot queues last month's supervision reports
    Periodic("supervision", "0 7 * * *", supervision_daily),
)


def _local(now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(business_zone())


def latest_slot(entry: Periodic, now: datetime | None = None) -> datetime:
    """The entry's last slot at or before ``now``, in business time."""
    start = _local(now).replace(second=0, microsecond=0) + timedelta(minutes=1)
    return croniter(entry.cron, start).get_prev(datetime)


def next_slot(entry: Periodic, now: datetime | None = None) -> datetime:
    """The entry's first slot after ``now``, in business time."""
    return croniter(entry.cron, _local(now)).get_next(datetime)


def _enqueue_slot(entry: Periodic, slot: datetime) -> str:
    return enqueue(
        entry.function,
        slot.date().isoformat(),
        key=entry.key(slot),
        description=f"{entry.name} {slot:%Y-%m-%d %H:%M}",
    )


def enqueue_due(now: datetime | None = None) -> list[str]:
    """Queue each entry's latest slot (nothing new for a slot queued or run before); the ids."""
    return [_enqueue_slot(entry, latest_slot(entry, now)) for entry in SCHEDULE]


# --- Embedded mode ---------------------------------------------------------------------------

_clock_lock = threading.Lock()
_clock: threading.Thread | None = None


def _tick_forever(app) -> None:
    from .sweeper import tick  # the sweeper queues this table's jobs

    while True:
        try:
            with app.app_context():
                tick()
        except Exception:  # a locked or unreachable database: try again next minute
            log.exception("periodic jobs could not be queued")
        time.sleep(60 - datetime.now().second)


def start_clock(app) -> None:
    """Embedded mode, outside tests: start the clock with the first request served (so that
    commands such as ``db upgrade`` never start it)."""
    if app.config["WUYE_REDIS_URL"] or app.testing:
        return

    @app.before_request
    def _start_clock() -> None:
        global _clock
        with _clock_lock:
            if _clock is None:
                _clock = threading.Thread(
                    target=_tick_forever, args=(app,), name="wuye-clock", daemon=True
                )
                _clock.start()
