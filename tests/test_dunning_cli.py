"""``wuye dunning-scan``: prints what it created; a second run of the same day creates nothing."""

from datetime import date, timedelta

from app.clock import business_date
from app.services.billing import run_billing
from jobs import wait


def test_dunning_scan_command(app, session):
    run_billing(session, date(2026, 1, 1), 1)
    session.commit()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["wuye", "dunning-scan", "--as-of", "2026-02-01"])
    assert first.exit_code == 0, first.output + repr(first.exception)
    assert "actions created: 2" in first.output
    assert "visits: 0  waiting for a collector 0" in first.output
    again = runner.invoke(args=["wuye", "dunning-scan", "--as-of", "2026-02-01"])
    assert "actions created: 0" in again.output
    bad = runner.invoke(args=["wuye", "dunning-scan", "--as-of", "2026-02-30"])
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.output
    tomorrow = business_date() + timedelta(days=1)
    later = runner.invoke(args=["wuye", "dunning-scan", "--as-of", str(tomorrow)])
    assert later.exit_code == 2 and "扫描日期不能晚于今天" in later.output
    assert wait(30)
