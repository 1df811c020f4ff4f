"""The money core's invariants hold after every step of any interleaving of its operations
(tests/ledger_machine.py), on SQLite and on PostgreSQL.

``--hypothesis-profile=nightly`` runs many more and longer examples (tests/conftest.py).
"""

from collections import Counter

from hypothesis import settings
from hypothesis.stateful import run_state_machine_as_test

from tests.ledger_machine import ledger_machine

#: Rules that must have gone through at least once: the invariants were checked after real
#: money movements, not only after refusals.
MOVED = {"bill", "pay", "reverse", "waive"}


def test_the_ledger_holds_on_sqlite(session, files_dir):
    done = Counter()
    run_state_machine_as_test(ledger_machine(session, done), settings=settings())
    assert MOVED <= set(done), done


def test_the_ledger_holds_on_postgres(app, pg_session, files_dir):
    done = Counter()
    with app.app_context():
        run_state_machine_as_test(ledger_machine(pg_session, done), settings=settings())
    assert MOVED <= set(done), done
