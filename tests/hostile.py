"""Hostile requests that once answered 500 (issue 11's schemathesis findings): each must answer a
4xx with a JSON body, write nothing, on SQLite (tests/api/test_no_server_error.py) and on
PostgreSQL behind gunicorn (tests/production/test_faults.py)."""

BIG = 2**31  # one past PostgreSQL's integer
HUGE = 2**63  # past SQLite's

PROBES = [
    ("GET", f"/api/v1/bill/{BIG}", None),
    ("GET", f"/api/v1/unit/{HUGE}", None),
    ("GET", f"/api/v1/payment/{HUGE}", None),
    ("GET", f"/api/v1/owner/{BIG}", None),
    ("GET", f"/api/v1/account/{BIG}/statement", None),
    ("POST", f"/api/v1/payment/{BIG}/reverse", {"reason": "x"}),
    ("POST", "/api/v1/payment/", {"unit_id": BIG, "amount": "1", "method": "cash"}),
    ("POST", "/api/v1/payment/", {"unit_id": HUGE, "amount": "1", "method": "cash"}),
    ("POST", "/api/v1/payment/", {"unit_id": 1, "amount": "1", "method": "cash",
                                  "reference": "x" * 500}),
    ("POST", "/api/v1/payment/", {"unit_id": 1, "amount": "1", "method": "cash",
                                  "reference": "a\x00b"}),
    ("POST", "/api/v1/payment/", {"unit_id": 1, "amount": "1", "method": "cash",
                                  "paid_at": "9999-12-31T23:59:59+08:00"}),
    ("POST", "/api/v1/payment/", {"unit_id": 1, "amount": "1", "method": "cash",
                                  "paid_at": "0001-01-01T00:00:00+08:00"}),
    ("POST", "/api/v1/payment/", {"unit_id": 1, "amount": "1e-2", "method": "cash"}),
    ("POST", "/api/v1/payment/", {"unit_id": 1, "amount": "999999999999.99", "method": "cash"}),
]
