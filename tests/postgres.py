"""A throw-away PostgreSQL server for the test run, and fresh databases on it.

``WUYE_TEST_POSTGRES_URL`` (a SQLAlchemy URL) points the tests at an existing server. Without it,
``TempCluster`` runs ``initdb`` and ``pg_ctl`` from ``/usr/lib/postgresql/<version>/bin`` on a
cluster in a temporary directory: on a free port on 127.0.0.1, with its unix socket in that
directory, trust authentication, no durability. Both programs refuse to run as root, so as root
they run as the ``postgres`` OS user (which the Debian packages create), owning the directory.
"""

import glob
import os
import pwd
import re
import shlex
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool

ENV_URL = "WUYE_TEST_POSTGRES_URL"
SUPERUSER = "postgres"


def find_bindir() -> Path | None:
    """The ``bin`` directory of the newest PostgreSQL installed under /usr/lib/postgresql."""
    found = [Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")]
    found = [d for d in found if (d / "pg_ctl").exists()]

    def major(d: Path) -> int:
        return int(re.sub(r"\D", "", d.parent.name) or 0)

    return max(found, key=major) if found else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TempCluster:
    """A private PostgreSQL cluster; ``start()`` returns the URL of its ``wuye_test`` database."""

    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.dir = Path(tempfile.mkdtemp(prefix="wuye-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"
        self.port = _free_port()
        self.as_user = None
        self._watchdog = None
        if os.geteuid() == 0:
            try:
                account = pwd.getpwnam("postgres")
            except KeyError:
                raise RuntimeError(
                    "running as root, but there is no 'postgres' OS user to run initdb/pg_ctl as"
                ) from None
            self.as_user = account.pw_name
            os.chown(self.dir, account.pw_uid, account.pw_gid)
        self.dir.chmod(0o700)

    def _command(self, program: str, *args: str) -> list[str]:
        command = [str(self.bindir / program), *args]
        return ["runuser", "-u", self.as_user, "--", *command] if self.as_user else command

    def _run(self, program: str, *args: str) -> None:
        done = subprocess.run(
            self._command(program, *args),
            cwd=self.dir,
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )
        if done.returncode != 0:
            log = self.log.read_text(errors="replace") if self.log.exists() else ""
            raise RuntimeError(
                f"{program} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}\n{log}"
            )

    def url(self, database: str = "wuye_test") -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def start(self) -> str:
        init = ["-D", str(self.data), "-U", SUPERUSER, "-A", "trust", "-E", "UTF8"]
        self._run("initdb", *init, "--locale=C.UTF-8", "--no-sync")
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=200"
        )
        start = ["-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "60"]
        self._run("pg_ctl", *start, "start")
        self._watch()
        create_database(self.url("postgres"), "wuye_test")
        return self.url()

    def restart(self) -> None:
        """Stop the server (fast: sessions are cut) and start it again on the same port."""
        restart = ["-D", str(self.data), "-l", str(self.log), "-m", "fast", "-w", "-t", "60"]
        self._run("pg_ctl", *restart, "restart")

    def _watch(self) -> None:
        """Stop the cluster should this process die without tearing down (killed, timed out)."""
        stop = shlex.join(self._command("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop"))
        script = (
            f"while kill -0 {os.getpid()} 2>/dev/null; do sleep 2; done; "
            f"{stop}; rm -rf {shlex.quote(str(self.dir))}"
        )
        self._watchdog = subprocess.Popen(
            ["sh", "-c", script],
            start_new_session=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def stop(self) -> None:
        if self._watchdog is not None:
            self._watchdog.kill()
            self._watchdog.wait()
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def _admin_engine(url: str):
    return create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)


def create_database(url: str, name: str | None = None, template: str | None = None) -> str:
    """Create a database ``name`` (default: a random one) on the server of ``url``, empty or a
    copy of the database ``template``; returns the new database's URL. Needs CREATEDB."""
    name = name or f"wuye_{uuid.uuid4().hex[:12]}"
    engine = _admin_engine(url)
    copy = f' TEMPLATE "{template}"' if template else ""
    try:
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"{copy}'))
    finally:
        engine.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    """Drop the database of ``url``, closing whatever is still connected to it."""
    target = make_url(url)
    engine = _admin_engine(target.set(database="postgres"))
    try:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    finally:
        engine.dispose()
