"""The production topology, started for real: PostgreSQL, Redis, ``wuye worker`` processes and
gunicorn, each a process of its own on loopback, driven through HTTP and the CLI.

``Topology`` starts them on a fresh database of the run's PostgreSQL (tests/postgres.py), with
its own redis-server (no persistence, so a restart loses what Redis held) and
``WUYE_JOB_HEARTBEAT=1`` (a killed worker's job is found lost after 3 s). Every process logs to
a file of the topology's folder; ``Topology.report()`` gives their tails for a failed test.
"""

import contextlib
import http.cookiejar
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from tests import redis_server
from tests.postgres import _free_port, create_database

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
DEMO_PASSWORD = "Wuye-Demo-2026"


@dataclass
class Answer:
    status: int
    body: bytes
    headers: dict

    def json(self):
        return json.loads(self.body)


class Topology:
    def __init__(self, postgres_url: str, folder: Path, units: int):
        self.folder = folder
        self.database_url = create_database(postgres_url)
        self.redis_port = _free_port()
        self.web_port = _free_port()
        self.base = f"http://127.0.0.1:{self.web_port}"
        self.env = {
            **os.environ,
            "WUYE_DATABASE_URL": self.database_url,
            "WUYE_REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "WUYE_SECRET_KEY": "production-topology-test-secret-key-0123456789",
            "WUYE_FILES_DIR": str(folder / "files"),
            "WUYE_JOB_HEARTBEAT": "1",
            "PATH": f"{Path(PYTHON).parent}:{os.environ.get('PATH', '')}",
        }
        self.env.pop("WUYE_SMTP_HOST", None)
        self.redis_process: subprocess.Popen | None = None
        self.web: subprocess.Popen | None = None
        self.workers: dict[str, subprocess.Popen] = {}
        self.others: list[subprocess.Popen] = []  # killed workers' groups, extra servers
        self.engine = create_engine(self.database_url, poolclass=NullPool)
        self.tokens: dict[str, str] = {}
        self.units = units

    # --- processes ---------------------------------------------------------------------------

    def spawn(self, name: str, command: list[str]) -> subprocess.Popen:
        """Start ``command`` in the topology's environment, logging to ``<name>.log``."""
        with open(self.folder / f"{name}.log", "ab") as log:  # the child keeps its own copy
            return subprocess.Popen(
                command,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def cli(self, *args: str, check: bool = True, timeout: float = 300):
        """``flask --app app <args>`` as an operator types it; its output as text."""
        done = subprocess.run(
            [PYTHON, "-m", "flask", "--app", "app", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        if check and done.returncode != 0:
            raise AssertionError(f"{args} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
        return done

    def start(self, workers: int = 2) -> "Topology":
        self.start_redis()
        self.cli("db", "upgrade")
        self.cli(
            "wuye", "seed-demo", "--communities", "1", "--units", str(self.units), "--no-history"
        )
        for n in range(1, workers + 1):
            self.start_worker(f"w{n}")
        self.web = self.spawn(
            "gunicorn",
            [
                PYTHON,
                "-m",
                "gunicorn",
                "--bind",
                f"127.0.0.1:{self.web_port}",
                "--workers",
                "2",
                "--threads",
                "4",
                "--timeout",
                "120",
                "--access-logfile",
                str(self.folder / "access.log"),
                "app:create_app()",
            ],
        )
        self.wait_for(lambda: self.get("/login/").status == 200, 60, "gunicorn to answer")
        return self

    def start_redis(self) -> None:
        self.redis_process = self.spawn("redis", redis_server.command(self.redis_port, self.folder))
        self.wait_for(lambda: redis_server.answers(self.redis_port), 10, "redis-server to answer")

    def stop_redis(self) -> None:
        self.redis_process.send_signal(signal.SIGKILL)
        self.redis_process.wait(10)

    def start_worker(self, name: str) -> None:
        self.workers[name] = self.spawn(
            f"worker-{name}",
            [PYTHON, "-m", "flask", "--app", "app", "wuye", "worker", "--name", name],
        )

    def kill_worker(self, name: str) -> None:
        """SIGKILL the worker, as the out-of-memory killer would (its work-horse dies with it),
        then what is left of its process group (RQ's scheduler), as systemd would."""
        worker = self.workers.pop(name)
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
        self.others.append(worker)

    def stop(self) -> None:
        groups = [p for p in [self.web, *self.workers.values(), *self.others] if p is not None]
        for process in groups:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in groups:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)
        if self.redis_process is not None and self.redis_process.poll() is None:
            self.stop_redis()
        self.engine.dispose()

    def report(self) -> str:
        """The last lines each process logged."""
        parts = []
        for log in sorted(self.folder.glob("*.log")):
            lines = log.read_text(errors="replace").splitlines()[-40:]
            parts.append(f"--- {log.name}\n" + "\n".join(lines))
        return "\n".join(parts)

    # --- waiting and the database ------------------------------------------------------------

    @staticmethod
    def wait_for(condition, seconds: float, what: str) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if condition():
                return
            time.sleep(0.2)
        raise AssertionError(f"waited {seconds} s for {what}")

    def scalar(self, sql: str, **params):
        with self.engine.connect() as connection:
            return connection.execute(text(sql), params).scalar()

    def rows(self, sql: str, **params) -> list:
        with self.engine.connect() as connection:
            return connection.execute(text(sql), params).all()

    def unfinished_jobs(self) -> list:
        """Jobs queued, running, retrying or deferred."""
        return self.rows(
            "SELECT job_id, status FROM job_run WHERE status NOT IN ('finished', 'failed')"
            " ORDER BY id"
        )

    def wait_for_jobs(self, seconds: float = 180) -> None:
        """Until no job is queued, running, retrying or deferred; then none may have failed."""
        self.wait_for(lambda: not self.unfinished_jobs(), seconds, "every job to finish")
        failed = self.rows("SELECT job_id, error FROM job_run WHERE status = 'failed'")
        assert failed == [], failed

    def ledger_check(self) -> None:
        """The nightly ledger check, run by a worker; it must pass."""
        job = self.cli("wuye", "run-periodic", "ledger-check").stdout.split()[-1]
        self.wait_for(
            lambda: (
                self.scalar("SELECT status FROM job_run WHERE job_id = :j", j=job)
                in ("finished", "failed")
            ),
            60,
            "the ledger check",
        )
        error = self.scalar("SELECT error FROM job_run WHERE job_id = :j", j=job)
        assert error is None, error

    def server_errors(self) -> list[str]:
        """Lines of gunicorn's access log answered 500 or more, 503 (a clear 'try again')
        excepted."""
        log = (self.folder / "access.log").read_text(errors="replace")
        return [line for line in log.splitlines() if re.search(r'" 5(?!03)\d\d ', line)]

    # --- HTTP --------------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        body=None,
        token: str | None = None,
        headers: dict | None = None,
        opener=None,
        timeout: float = 60,
        base: str | None = None,
    ) -> Answer:
        headers = dict(headers or {})
        data = None
        if isinstance(body, dict):
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        elif isinstance(body, bytes):
            data = body
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request((base or self.base) + path, data, headers, method=method)
        try:
            with (opener or urllib.request.build_opener()).open(request, timeout=timeout) as r:
                return Answer(r.status, r.read(), dict(r.headers))
        except urllib.error.HTTPError as err:
            return Answer(err.code, err.read(), dict(err.headers))
        except (urllib.error.URLError, OSError) as err:  # no answer at all: status 0
            return Answer(0, str(err).encode(), {})

    def get(self, path: str, **kwargs) -> Answer:
        return self.request("GET", path, **kwargs)

    def token(self, username: str) -> str:
        if username not in self.tokens:
            answer = self.request(
                "POST",
                "/api/v1/security/login",
                {"username": username, "password": DEMO_PASSWORD, "provider": "db"},
            )
            assert answer.status == 200, answer.body
            self.tokens[username] = answer.json()["access_token"]
        return self.tokens[username]

    def browser(self, username: str, base: str | None = None):
        """An opener signed in through the login form (cookie session, CSRF token)."""
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page = self.get("/login/", opener=opener, base=base).body.decode()
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode(
            {"username": username, "password": DEMO_PASSWORD, "csrf_token": token}
        ).encode()
        answer = self.request(
            "POST",
            "/login/",
            form,
            opener=opener,
            base=base,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert answer.status == 200 and "logout" in answer.body.decode().lower(), answer.status
        return opener

    def upload(self, path: str, token: str, filename: str, content: bytes, **fields) -> Answer:
        boundary = uuid.uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
            for k, v in fields.items()
        ]
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{filename}"\r\nContent-Type: text/csv\r\n\r\n'.encode()
            + content
            + b"\r\n"
        )
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self.request(
            "POST",
            path,
            body,
            token=token,
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
