"""The production-topology suite: one topology per test module (tests/production/topology.py).

Marked ``production``; it runs in the README's test command like every other test. Without
PostgreSQL or redis-server it skips, except under CI=true, where it fails.
"""

import pytest

from tests import redis_server
from tests.production.topology import Topology


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/production/" in str(item.fspath):
            item.add_marker(pytest.mark.production)


def topology_for(_request, postgres_url, tmp_path_factory, units: int):
    redis_server.require()
    topology = Topology(postgres_url, tmp_path_factory.mktemp("topology"), units)
    try:
        yield topology.start()
    finally:
        topology.stop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test shows the last lines each process of its topology logged."""
    outcome = yield
    report = outcome.get_result()
    topology = getattr(item, "funcargs", {}).get("topology")
    if report.failed and isinstance(topology, Topology):
        report.sections.append(("topology logs", topology.report()))
