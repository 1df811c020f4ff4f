"""A whole month in the production topology: PostgreSQL, Redis, two ``wuye worker`` processes and
gunicorn with two processes, driven through HTTP and the CLI as the staff would.

The days are fixed (March's bills, a scan in June): the workers' own periodic jobs run for the
real today meanwhile, as in production, and only add to what is checked here.
"""

from pathlib import Path

import pytest

from tests.production.conftest import topology_for

PERIOD = "2026-03"
UNITS = 24


@pytest.fixture(scope="module")
def topology(request, postgres_url, tmp_path_factory):
    yield from topology_for(request, postgres_url, tmp_path_factory, units=UNITS)


def test_a_month_runs_through_the_web_server_the_cli_and_the_workers(topology, tmp_path):
    t = topology
    finance = t.token("finance")

    # The billing run, through the API (gunicorn).
    run = t.request("POST", "/api/v1/billing/run", {"period": PERIOD}, token=finance)
    assert run.status == 201, run.body
    bills = t.scalar("SELECT count(*) FROM bill WHERE period_start = '2026-03-01'")
    assert bills == run.json()["created"] > 0

    # The notice batch, from the CLI; the workers render it.
    started = t.cli("wuye", "notices", "--period", PERIOD)
    assert "jobs: notices-" in started.stdout
    t.wait_for_jobs()
    batch = t.rows("SELECT status, notices, rendered, merged_file FROM notice_batch")
    assert [(b.status, b.notices, b.rendered) for b in batch] == [("finished", bills, bills)]
    assert (Path(t.env["WUYE_FILES_DIR"]) / batch[0].merged_file).read_bytes()[:5] == b"%PDF-"
    assert t.scalar("SELECT count(*) FROM notice WHERE file IS NOT NULL") == bills
    assert t.scalar("SELECT count(*) FROM outbox_message WHERE kind = 'notice'") == bills

    # A payment at the counter, through the API: the first bill paid in full.
    first, second = t.rows(
        "SELECT unit_id, total FROM bill WHERE period_start = '2026-03-01' ORDER BY id LIMIT 2"
    )
    answer = t.request(
        "POST",
        "/api/v1/payment/",
        {
            "unit_id": first.unit_id,
            "amount": str(first.total),
            "method": "cash",
            "paid_at": "2026-04-10T10:00:00+08:00",
        },
        token=finance,
    )
    assert answer.status == 201, answer.body
    assert answer.json()["receipt_number"]
    unit_code = t.scalar("SELECT code FROM unit WHERE id = :u", u=second.unit_id)

    # A bank statement, uploaded through the API: the remark names the second bill's unit.
    statement = (
        "date,amount,reference,method,payer_name,payer_account,remark\n"
        f"2026-04-12 09:15:00,50.00,BT202604120001,bank_transfer,张伟,6222020200112345678,"
        f"{unit_code}物业费\n"
    ).encode()
    imported = t.upload("/api/v1/statement/import", finance, "bank.csv", statement)
    assert imported.status == 200, imported.body
    assert imported.json()["matched"] == 1

    # The daily dunning scan, from the CLI: reminders and letters go out through the workers.
    scan = t.cli("wuye", "dunning-scan", "--as-of", "2026-06-15")
    assert "actions created:" in scan.stdout and "actions created: 0" not in scan.stdout
    t.wait_for_jobs()
    kinds = dict(t.rows("SELECT kind, count(*) FROM outbox_message GROUP BY kind"))
    assert kinds.get("reminder", 0) + kinds.get("letter", 0) > 0
    assert t.scalar("SELECT count(*) FROM outbox_message WHERE status = 'queued'") == 0

    # The late-fee close of May, and May's supervision report, from the CLI.
    close = t.cli("wuye", "late-fees", "--month", "2026-05")
    assert "bills posted:" in close.stdout
    report = t.cli(
        "wuye", "report", "supervision", "--month", "2026-05", "--out", str(tmp_path / "report.pdf")
    )
    assert "pages:" in report.stdout
    assert (tmp_path / "report.pdf").read_bytes()[:5] == b"%PDF-"

    # The screens answer through the same server (a signed-in browser session).
    browser = t.browser("manager")
    for page in ("/billview/list/", "/paymentview/list/", "/jobrunview/list/"):
        status = t.get(page, opener=browser).status
        assert status in (200, 403), (page, status)  # 403: a screen the role may not open
    assert t.get("/billview/list/", opener=browser).status == 200
    # A unit searched by its typed code, matched literally (app/views/lists.py) on PostgreSQL.
    found = t.get("/billview/list/?_flt_0_unit=1-1-101", opener=browser).body.decode()
    assert found.count("/billview/show/") >= 1 and "1-1-101" in found
    none = t.get("/billview/list/?_flt_0_unit=%25", opener=browser).body.decode()
    assert none.count("/billview/show/") == 0

    # The night: the ledger check passes; nothing is left queued or running; no 500 answered.
    t.ledger_check()
    t.wait_for_jobs()
    assert t.unfinished_jobs() == []
    assert t.server_errors() == []
