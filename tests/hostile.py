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
    (
        "POST",
        "/api/v1/payment/",
        {"unit_id": 1, "amount": "1", "method": "cash", "reference": "x" * 500},
    ),
    (
        "POST",
        "/api/v1/payment/",
        {"unit_id": 1, "amount": "1", "method": "cash", "reference": "a\x00b"},
    ),
    (
        "POST",
        "/api/v1/payment/",
        {"unit_id": 1, "amount": "1", "method": "cash", "paid_at": "9999-12-31T23:59:59+08:00"},
    ),
    (
        "POST",
        "/api/v1/payment/",
        {"unit_id": 1, "amount": "1", "method": "cash", "paid_at": "0001-01-01T00:00:00+08:00"},
    ),
    ("POST", "/api/v1/payment/", {"unit_id": 1, "amount": "1e-2", "method": "cash"}),
    ("POST", "/api/v1/payment/", {"unit_id": 1, "amount": "999999999999.99", "method": "cash"}),
    # found by tests/api/test_openapi_fuzz.py
    ("POST", "/api/v1/payment/1/reverse", {"reason": True}),
    ("POST", "/api/v1/unit/", {"building": {}, "code": "9-9-909"}),
    ("POST", "/api/v1/collection_campaign/", {"name": "x", "community": -1.7976931348623157e308}),
    ("GET", "/api/v1/kpi/collection?community_id=99999999999999999999", None),
    ("GET", "/api/v1/building/abc", None),
    # years 1 and 9999 (issue 11): the reports' month arithmetic left the calendar
    ("GET", "/api/v1/kpi/monthly?period=0001-01", None),
    ("GET", "/api/v1/kpi/year_to_date?as_of=9999-12-31", None),
    ("GET", "/api/v1/arrears/aging?as_of=0001-01-01", None),
    ("GET", "/api/v1/account/1/statement?as_of=9999-12-31", None),
    ("POST", "/api/v1/dunning/scan", {"as_of": "9999-12-31"}),
    ("POST", "/api/v1/billing/run", {"period": "0001-01"}),
]
