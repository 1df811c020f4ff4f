"""The settings screen: a number's setting takes a number of its kind, nothing else is written."""

import pytest
from sqlalchemy import select

from app.models import Setting
from tests.views.test_forms import flashes


@pytest.mark.parametrize(
    ("key", "value", "stored"),
    [
        ("max_payment", "2000000.00", True),
        ("max_payment", "1e6", False),
        ("due_days", "45", True),
        ("due_days", "abc", False),
        ("due_days", "4.5", False),
        ("late_fee_cap_ratio", "0.5", True),
        ("no_such_setting", "1", False),
        ("quiet_hours", "22:00-07:00", True),
    ],
)
def test_admin_sets_a_setting_of_the_right_kind(login, session, key, value, stored):
    page = login("Admin").post(
        "/settingview/add", data={"key": key, "value": value}, follow_redirects=True
    )
    assert page.status_code == 200
    session.rollback()
    values = session.scalars(select(Setting.value).where(Setting.key == key)).all()
    assert values == ([value] if stored else [])
    if not stored:
        assert ("例如" in flashes(page)) if key in ("max_payment", "due_days") else flashes(page)


def test_settings_are_picked_and_listed_by_name_with_their_default(login, session):
    client = login("Admin")
    form = client.get("/settingview/add").get_data(as_text=True)
    assert '<option value="late_fee_cap_ratio">滞纳金上限倍数（默认：1.0）</option>' in form
    assert '<option value="public_url">对外访问地址（默认：—）</option>' in form
    client.post("/settingview/add", data={"key": "due_days", "value": "45"})
    listed = client.get("/settingview/list/").get_data(as_text=True)
    assert "账单缴费期限（天）：账单出账后经过该天数到期。默认值：30。" in listed
    assert ">due_days<" not in listed
