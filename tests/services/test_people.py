"""Staff by full name (app/services/people.py), on screens and documents."""

import pytest
from flask_babel import force_locale

from app.services.people import full_name, name_of


@pytest.mark.parametrize(
    ("first", "last", "shown"),
    [("小明", "王", "王小明"), ("Li", "Zhang", "Li Zhang"), ("Finance", "测试", "测试Finance")],
)
def test_chinese_names_read_family_name_first(first, last, shown):
    assert full_name(first, last) == shown


def test_a_login_is_shown_as_its_person_and_a_machine_by_what_it_is(app, session):
    assert name_of(session, "finance") == "测试Finance"
    with app.test_request_context(), force_locale("zh"):
        assert name_of(session, "system") == "系统"
        assert name_of(session, "dunning-scan") == "催缴扫描"
    with app.test_request_context(), force_locale("en"):
        assert name_of(session, "system") == "System"
    assert name_of(session, "someone-gone") == "someone-gone" and name_of(session, None) == ""


def test_the_audit_log_names_people(login):
    login("CustomerService").post(
        "/unitview/add",
        data={
            "building": "1",
            "code": "1-2-201",
            "property_type": "residential",
            "area": "90.00",
            "status": "occupied",
        },
    )
    page = login("Admin").get("/auditlogview/list/").get_data(as_text=True)
    assert "测试CustomerService" in page and ">customerservice<" not in page
