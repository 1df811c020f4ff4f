"""A throw-away ``redis-server`` for tests and benchmarks: on a free port of 127.0.0.1, without
persistence (a restart loses what it held), its files in a folder of the caller's.

``tests/conftest.py`` (the ``redis_url`` fixture), ``tests/production/topology.py`` (which
starts and kills it to test outages) and ``bench/notices.py`` start it the same way.
"""

import os
import time

from redis import Redis

from tests.postgres import _free_port

REDIS_SERVER = "/usr/bin/redis-server"


def require() -> None:
    """Skip the test without redis-server installed; under CI=true (where it must be), fail."""
    import pytest

    if not os.path.exists(REDIS_SERVER):
        message = f"no {REDIS_SERVER}: install redis-server"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


def free_port() -> int:
    return _free_port()


def command(port: int, folder) -> list[str]:
    """The command line of a redis-server on ``port`` that keeps nothing on disk."""
    return [
        REDIS_SERVER,
        *("--port", str(port), "--bind", "127.0.0.1"),
        *("--save", "", "--appendonly", "no", "--dir", str(folder)),
    ]


def answers(port: int) -> bool:
    """Whether the server on ``port`` answers a PING."""
    try:
        with Redis(port=port, socket_connect_timeout=1) as client:
            return bool(client.ping())
    except Exception:
        return False


def wait_until_it_answers(port: int, timeout: float = 10) -> None:
    """Wait for the server on ``port``; ``TimeoutError`` if it has not answered in ``timeout``."""
    deadline = time.monotonic() + timeout
    while not answers(port):
        if time.monotonic() > deadline:
            raise TimeoutError(f"redis-server did not answer on port {port}")
        time.sleep(0.05)
