"""The money core's invariants hold after every step of any interleaving of its operations
(tests/ledger_machine.py), on SQLite and on PostgreSQL.

``--hypothesis-profile=nightly`` runs many more and longer examples (tests/conftest.py).
"""

from hypothesis import settings
from hypothesis.stateful import run_state_machine_as_test

from tests.ledger_machine import ledger_machine


def test_the_ledger_holds_on_sqlite(session, files_dir):
    run_state_machine_as_test(ledger_machine(session), settings=settings())


def test_the_ledger_holds_on_postgres(app, pg_session, files_dir):
    with app.app_context():
        run_state_machine_as_test(ledger_machine(pg_session), settings=settings())
