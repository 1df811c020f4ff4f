"""What day and instant it is for the business (docs/architecture.md).

Rules never read the clock: the edges (screens, API, CLI, jobs) ask here for "today" or "now"
and pass it on. Business dates are dates in ``WUYE_TIMEZONE`` (default Asia/Shanghai); instants
are UTC-aware.
"""

import os
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, g, has_app_context, has_request_context


def business_zone() -> ZoneInfo:
    """The business time zone (``WUYE_TIMEZONE``): due dates and "today" are dates there."""
    if has_app_context():
        return ZoneInfo(current_app.config["WUYE_TIMEZONE"])
    return ZoneInfo(os.environ.get("WUYE_TIMEZONE", "Asia/Shanghai"))


def business_date(instant: datetime | None = None) -> date:
    """The business date of ``instant`` (default: now)."""
    return (instant or datetime.now(UTC)).astimezone(business_zone()).date()


def read_at() -> datetime:
    """The instant a request reads rows at (what "now" is for flags computed when read): taken
    once per request, so that a list, its filters and its flags agree; outside a request, now.
    Rules never call it: the screen or API passes it on as their ``now``."""
    if not has_request_context():
        return datetime.now(UTC)
    if "wuye_read_at" not in g:
        g.wuye_read_at = datetime.now(UTC)
    return g.wuye_read_at
