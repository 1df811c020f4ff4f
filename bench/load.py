"""A bounded load test of the production topology against the development server, in one run.

Starts what tests/production starts — a throw-away PostgreSQL, Redis, two ``wuye worker``
processes, gunicorn with two processes of four threads — on the demo data (two communities of
150 units, billed for three months), and beside it Werkzeug's development server (threaded) on
the same database. Then, for each server in turn, ``--users`` simulated staff (at most 20) work
for ``--seconds`` (the two together at most 2 minutes), on loopback only, each doing in a loop:

- list screens: the API lists of bills, owners, units and payments (a page of 20) and the bill
  list screen in a signed-in browser session;
- account statements of a random unit;
- a payment of ¥1.00 at the counter (Finance);
- a CSV export of the bills (Auditor).

Between two requests a user reads the page for ``--think`` seconds on average (uniform from half
to one and a half times it; 0: no pause, every user always waiting on the server — a stress
test rather than a day at the office).

Prints, per server: requests, errors (any answer but 2xx), throughput, p50 and p95 of all
answers and of each kind. ``--record`` puts the output on top of bench/RESULTS.md.

    python bench/load.py [--users 16] [--seconds 30] [--think 1] [--record]
"""

import argparse
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for folder in (ROOT, HERE):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from notices import record  # noqa: E402  (bench/notices.py: a section on top of RESULTS.md)

from tests.postgres import TempCluster, _free_port, find_bindir  # noqa: E402
from tests.production.topology import PYTHON, Topology  # noqa: E402

MAX_USERS, MAX_SECONDS = 20, 60
KINDS = ("list", "screen", "statement", "payment", "export")
WEIGHTS = (40, 15, 20, 15, 10)
LISTS = ("bill", "owner", "unit", "payment")


class Server:
    """One HTTP server of the topology, seen through its own logins."""

    def __init__(self, topology: Topology, name: str, base: str):
        self.t, self.name, self.base = topology, name, base

    def sign_in(self) -> None:
        login = {"username": "finance", "password": "Wuye-Demo-2026", "provider": "db"}
        answer = self.t.request("POST", "/api/v1/security/login", login, base=self.base)
        self.token = answer.json()["access_token"]
        login["username"] = "auditor"  # exports: Auditor and Manager hold can_export
        answer = self.t.request("POST", "/api/v1/security/login", login, base=self.base)
        self.exporter = answer.json()["access_token"]
        self.browser = self.t.browser("finance", base=self.base)

    def hit(self, kind: str, units: list[int]) -> int:
        t, token = self.t, self.token
        if kind == "list":
            path = f"/api/v1/{random.choice(LISTS)}/?q=(page:{random.randrange(5)},page_size:20)"
            return t.request("GET", path, token=token, base=self.base).status
        if kind == "screen":
            page = f"/billview/list/?page_BillView={random.randrange(5)}"
            return t.request("GET", page, opener=self.browser, base=self.base).status
        if kind == "statement":
            path = f"/api/v1/account/{random.choice(units)}/statement"
            return t.request("GET", path, token=token, base=self.base).status
        if kind == "payment":
            body = {"unit_id": random.choice(units), "amount": "1.00", "method": "cash"}
            return t.request("POST", "/api/v1/payment/", body, token=token, base=self.base).status
        return t.request(
            "GET", "/api/v1/export/bill?format=csv", token=self.exporter, base=self.base
        ).status


def load(server: Server, users: int, seconds: float, think: float, units: list[int]) -> dict:
    """``users`` threads hitting ``server`` for ``seconds``, pausing ``think`` seconds on
    average between requests; timings per kind."""
    timings: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def user(n: int) -> None:
        rng = random.Random(n)
        while time.monotonic() < deadline:
            kind = rng.choices(KINDS, WEIGHTS)[0]
            began = time.perf_counter()
            status = server.hit(kind, units)
            took = time.perf_counter() - began
            with lock:
                timings[kind].append(took)
                if not 200 <= status < 300:
                    errors[f"{kind} {status}"] += 1
            if think:
                time.sleep(rng.uniform(0.5 * think, 1.5 * think))

    began = time.perf_counter()
    threads = [threading.Thread(target=user, args=(n,)) for n in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"timings": timings, "errors": dict(errors), "wall": time.perf_counter() - began}


def p(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0] * 1000 if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1] * 1000


def report(results: dict[str, dict], users: int, seconds: float, think: float) -> str:
    head = f"{'server':<22}{'requests':>9}{'errors':>8}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}"
    head += "".join(f"{k + ' p95':>15}" for k in KINDS)
    lines = [head, "-" * len(head)]
    for name, result in results.items():
        every = [v for values in result["timings"].values() for v in values]
        line = (
            f"{name:<22}{len(every):>9}{sum(result['errors'].values()):>8}"
            f"{len(every) / result['wall']:>8.1f}{p(every, 0.5):>8.0f}{p(every, 0.95):>8.0f}"
        )
        line += "".join(f"{p(result['timings'][k], 0.95):>15.0f}" for k in KINDS)
        lines.append(line)
    for name, result in results.items():
        if result["errors"]:
            lines.append(f"{name} errors: {result['errors']}")
    return (
        f"{users} users for {seconds:.0f} s per server, {think:g} s think time; demo data "
        "(2 communities × 150 units, billed 2026-01..03); PostgreSQL, Redis, 2 workers; the "
        "load generator on the same 2 cores\n\n```\n" + "\n".join(lines) + "\n```"
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=30, help="per server")
    parser.add_argument("--think", type=float, default=1.0, help="mean pause between requests")
    parser.add_argument("--record", action="store_true", help="add the output to RESULTS.md")
    args = parser.parse_args(argv)
    users, seconds = min(args.users, MAX_USERS), min(args.seconds, MAX_SECONDS)
    title = (
        f"## bench/load.py — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {platform.node()}; "
        f"{os.cpu_count()} CPUs; Python {platform.python_version()}"
    )
    print(title, "\n", flush=True)
    folder = Path(tempfile.mkdtemp(prefix="wuye-bench-load-"))
    cluster = TempCluster(find_bindir())
    topology = None
    try:
        topology = Topology(cluster.start(), folder, units=150)
        topology.start()
        topology.cli("wuye", "seed-demo", "--no-history")  # the second community
        for month in ("2026-01", "2026-02", "2026-03"):
            topology.cli("wuye", "bill-run", "--period", month)
        units = [row.id for row in topology.rows("SELECT id FROM unit")]
        dev_port = _free_port()
        topology.others.append(
            topology.spawn(
                "devserver",
                [
                    PYTHON,
                    "-m",
                    "flask",
                    "--app",
                    "app",
                    "run",
                    "--port",
                    str(dev_port),
                    "--with-threads",
                    "--no-reload",
                ],
            )
        )
        dev = Server(topology, "development server", f"http://127.0.0.1:{dev_port}")
        topology.wait_for(
            lambda: topology.request("GET", "/login/", base=dev.base).status == 200,
            60,
            "the development server",
        )
        web = Server(topology, "gunicorn (2×4 threads)", f"http://127.0.0.1:{topology.web_port}")
        results = {}
        for server in (web, dev):
            server.sign_in()
            results[server.name] = load(server, users, seconds, args.think, units)
        text = report(results, users, seconds, args.think)
    finally:
        if topology is not None:
            topology.stop()
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)
    print(text)
    if args.record:
        options = f"--users {users} --seconds {seconds:g} --think {args.think:g}"
        command = f"python bench/load.py {options}"
        record(f"{title}\n\n`{command} --record`\n\n{text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
