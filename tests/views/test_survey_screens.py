"""Survey screens: customer service creates and opens a survey, types in answers, passes on the
links, reads the results and closes follow-ups; owners answer through the public form, whose
link is refused when misused; who may open what; the link on the payment notice."""

import re
from datetime import date, timedelta

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import func, select, update

from app.models import (
    Bill,
    Survey,
    SurveyFollowUp,
    SurveyResponse,
    SurveyToken,
)
from app.services.billing import run_billing
from app.services.survey_responses import record_response
from app.services.surveys import close_survey, survey_links
from tests.reports import pdf
from tests.services.test_surveys import TODAY, new_survey, token_of, unit_id
from tests.test_access_control import production_like

UNIT_1, UNIT_2 = 1, 2  # community A's 1-1-101 and 1-1-102


def zh(message: str, **values) -> str:
    with force_locale("zh"):  # the screens' language
        return gettext(message, **values)


def flashes(page) -> str:
    return " ".join(
        re.findall(r'class="alert[^"]*"[^>]*>(.*?)</div>', page.get_data(as_text=True), re.S)
    )


def count(session, model) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(model))


def used(session) -> int:
    """Links spent."""
    session.rollback()
    return session.scalar(select(func.count()).where(SurveyToken.used_at.isnot(None)))


@pytest.fixture
def survey(session) -> int:
    """An open survey of community A (committed)."""
    survey_id = new_survey(session).id
    session.commit()
    return survey_id


@pytest.fixture
def links(session, survey) -> dict[int, str]:
    """The live token of each unit of the survey."""
    return {link.unit_id: token_of(link) for link in survey_links(session, survey)}


SCORES = {"overall": "4", "security": "2", "cleaning": "5"}


def test_customer_service_creates_and_opens_a_survey(app, login, session):
    client = login("CustomerService")
    form = client.get("/surveys/new/").get_data(as_text=True)
    assert 'name="opens_on"' in form and "安居小区" in form and "碧园小区" not in form
    response = client.post(
        "/surveys/new/",
        data={
            "community": "1",
            "title": "2026 上半年满意度调查",
            "period": "2026 上半年",
            "opens_on": TODAY.isoformat(),
            "closes_on": (TODAY + timedelta(days=30)).isoformat(),
        },
    )
    session.rollback()
    survey = session.scalar(select(Survey))
    assert response.status_code == 302 and response.location.endswith(
        f"/surveyview/show/{survey.id}"
    )
    assert (survey.status, survey.created_by) == ("draft", "customerservice")
    show = client.get(response.location).get_data(as_text=True)
    assert survey.questions[0].text in show and "2026 上半年" in show
    client.post(f"/surveyview/action/open/{survey.id}")  # from the survey's page
    session.rollback()
    assert session.get(Survey, survey.id).status == "open"
    assert count(session, SurveyToken) == 2  # the two units of A with an owner


def test_a_bad_survey_is_shown_beside_its_fields_and_nothing_written(app, login, session):
    page = login("CustomerService").post(
        "/surveys/new/",
        data={
            "community": "1",
            "title": "调查",
            "period": "2026",
            "opens_on": TODAY.isoformat(),
            "closes_on": (TODAY - timedelta(days=1)).isoformat(),
        },
    )
    assert page.status_code == 200
    with app.test_request_context():
        assert zh("The survey cannot close before it opens.") in page.get_data(as_text=True)
    assert count(session, Survey) == 0


def test_staff_type_in_a_response_once_per_unit(app, login, session, survey):
    client = login("CustomerService")
    form = client.get(f"/surveys/respond/{survey}").get_data(as_text=True)
    assert 'name="overall"' in form and 'name="fee_transparency"' in form
    data = {"unit_code": "1-1-101", "comment": "保安很好", **SCORES}
    response = client.post(f"/surveys/respond/{survey}", data=data)
    assert response.status_code == 302
    assert count(session, SurveyResponse) == 1
    follow_up = session.scalar(select(SurveyFollowUp))
    assert (follow_up.dimension, follow_up.score) == ("security", 2)
    again = client.post(f"/surveys/respond/{survey}", data=data)
    with app.test_request_context():
        why = zh("This unit has answered this survey already (one response per unit).")
    assert why in again.get_data(as_text=True)
    elsewhere = client.post(f"/surveys/respond/{survey}", data={**data, "unit_code": "9-9-999"})
    with app.test_request_context():
        assert zh("This unit is not in the survey's community.") in elsewhere.get_data(as_text=True)
    assert count(session, SurveyResponse) == 1


def test_the_results_page_shows_the_figures_and_charts(login, session, survey):
    record_response(session, survey, UNIT_1, {"overall": 5, "security": 2})
    record_response(session, survey, UNIT_2, {"overall": 3})
    session.commit()
    page = login("Manager").get(f"/surveys/results/{survey}").get_data(as_text=True)
    assert page.count("<svg") == 2  # means and satisfaction rates; no history yet
    row = re.search(r"<tr><td>[^<]*</td><td class=\"text-right\">2</td>.*?</tr>", page, re.S)
    assert "4.00" in row.group(0) and "50.0%" in row.group(0)  # overall: 5 and 3
    assert "100.0%" in page  # response rate: both units
    close_survey(session, survey)
    second = new_survey(session, title="下半年")
    session.commit()
    later = login("Manager").get(f"/surveys/results/{second.id}").get_data(as_text=True)
    assert later.count("<svg") == 3 and "0.0%" in later  # the history, and no answer yet


def test_the_links_page_lists_live_links_and_issues_new_ones(login, session, survey, links):
    client = login("CustomerService")
    page = client.get(f"/surveys/links/{survey}").get_data(as_text=True)
    assert f"http://localhost/s/{links[UNIT_1]}" in page
    response = client.post(
        f"/surveys/links/{survey}", data={"expires_on": (TODAY + timedelta(days=7)).isoformat()}
    )
    assert response.status_code == 302
    assert count(session, SurveyToken) == 4


def test_a_follow_up_is_marked_done_with_a_note(login, session, survey):
    record_response(session, survey, UNIT_1, {"security": 1})
    session.commit()
    follow_up = session.scalar(select(SurveyFollowUp)).id
    client = login("CustomerService")
    listing = client.get("/surveyfollowupview/list/").get_data(as_text=True)
    assert "1-1-101" in listing
    response = client.post(f"/followupdoneview/{follow_up}", data={"note": "已回访"})
    assert response.status_code == 302
    session.rollback()
    done = session.get(SurveyFollowUp, follow_up)
    assert (done.status, done.note, done.done_by) == ("done", "已回访", "customerservice")
    assert (
        login("Manager").post(f"/followupdoneview/{follow_up}", data={"note": "x"}).status_code
        == 403
    )


@pytest.mark.parametrize(
    ("role", "list_status", "form_status", "respond_status"),
    [
        ("Admin", 200, 200, 200),
        ("Manager", 200, 403, 403),
        ("Finance", 403, 403, 403),
        ("CustomerService", 200, 200, 200),
        ("Collector", 403, 403, 403),
        ("Auditor", 200, 403, 403),
    ],
)
def test_who_may_open_which_screen(login, survey, role, list_status, form_status, respond_status):
    client = login(role)
    assert client.get("/surveyview/list/").status_code == list_status
    assert client.get(f"/surveys/results/{survey}").status_code == list_status
    assert client.get("/surveyfollowupview/list/").status_code == list_status
    assert client.get("/surveys/new/").status_code == form_status
    assert client.get(f"/surveys/links/{survey}").status_code == form_status
    assert client.get(f"/surveys/respond/{survey}").status_code == respond_status


@pytest.mark.parametrize(("role", "status"), [("Manager", "closed"), ("Auditor", "open")])
def test_a_manager_may_close_a_survey_an_auditor_may_not(login, session, survey, role, status):
    login(role).post("/surveyview/action_post", data={"action": "close", "rowid": [str(survey)]})
    session.rollback()
    assert session.get(Survey, survey).status == status


def test_a_survey_is_closed_from_its_own_page(login, session, survey):
    """The list's actions are offered on a row's page too, where FAB hands over one row."""
    client = login("Manager")
    response = client.post(f"/surveyview/action/close/{survey}", follow_redirects=True)
    assert response.status_code == 200
    assert zh("Surveys closed: %(count)d.", count=1) in flashes(response)
    session.rollback()
    assert session.get(Survey, survey).status == "closed"


def test_an_unknown_action_is_not_found(login, survey):
    client = login("Manager")
    assert client.post(f"/surveyview/action/nothing/{survey}").status_code == 404
    rows = {"action": "nothing", "rowid": [str(survey)]}
    assert client.post("/surveyview/action_post", data=rows).status_code == 404


def test_another_communitys_survey_is_not_found(login, session):
    other = new_survey(session, community=2).id
    session.commit()
    client = login("CustomerService")
    for path in (
        f"/surveys/results/{other}",
        f"/surveys/respond/{other}",
        f"/surveys/links/{other}",
    ):
        assert client.get(path).status_code == 404, path
    assert "碧园小区" not in client.get("/surveyview/list/").get_data(as_text=True)


# --- The owners' form ----------------------------------------------------------------------


def test_an_owner_answers_through_the_link(client, session, links):
    page = client.get(f"/s/{links[UNIT_1]}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "1-1-101" in text and 'name="overall"' in text
    assert '<html lang="zh-CN">' in text
    response = client.post(
        f"/s/{links[UNIT_1]}", data={"unit": str(UNIT_1), **SCORES, "comment": "绿化可以更好"}
    )
    assert response.status_code == 200 and 'id="thanks"' in response.get_data(as_text=True)
    answered = session.scalar(select(SurveyResponse))
    assert (answered.unit_id, answered.source, answered.comment) == (
        UNIT_1,
        "online",
        "绿化可以更好",
    )
    assert count(session, SurveyFollowUp) == 1
    # once only: the link is spent
    assert client.get(f"/s/{links[UNIT_1]}").status_code == 410
    assert (
        client.post(f"/s/{links[UNIT_1]}", data={"unit": str(UNIT_1), **SCORES}).status_code == 410
    )
    assert count(session, SurveyResponse) == 1


def refused(client, session, token, unit=UNIT_1, status=410):
    """The link is refused with a page saying why, before and after posting, and nothing is
    written."""
    before = count(session, SurveyResponse), used(session)
    page = client.get(f"/s/{token}")
    assert page.status_code == status and 'id="refused"' in page.get_data(as_text=True)
    posted = client.post(f"/s/{token}", data={"unit": str(unit), **SCORES})
    assert posted.status_code == status
    assert (count(session, SurveyResponse), used(session)) == before


def test_misused_links_are_refused(client, session, survey, links):
    refused(client, session, "not-a-token", status=404)
    # expired yesterday
    session.execute(
        update(SurveyToken)
        .where(SurveyToken.unit_id == UNIT_2)
        .values(expires_on=TODAY - timedelta(days=1))
    )
    session.commit()
    refused(client, session, links[UNIT_2])
    # the unit answered through staff
    record_response(session, survey, UNIT_1, {"overall": 4})
    session.commit()
    refused(client, session, links[UNIT_1], status=409)


def test_a_closed_surveys_link_is_refused(client, session, survey, links):
    close_survey(session, survey)
    session.commit()
    refused(client, session, links[UNIT_1])


def test_a_link_cannot_answer_for_another_unit(client, session, links):
    response = client.post(f"/s/{links[UNIT_1]}", data={"unit": str(UNIT_2), **SCORES})
    assert response.status_code == 403
    assert count(session, SurveyResponse) == 0
    assert used(session) == 0
    # the link still works for its own unit
    assert (
        client.post(f"/s/{links[UNIT_1]}", data={"unit": str(UNIT_1), **SCORES}).status_code == 200
    )


def test_an_empty_or_invalid_answer_is_shown_again(app, client, session, links):
    empty = client.post(f"/s/{links[UNIT_1]}", data={"unit": str(UNIT_1)})
    assert empty.status_code == 400
    with app.test_request_context():
        assert zh("Answer at least one question.") in empty.get_data(as_text=True)
    invalid = client.post(f"/s/{links[UNIT_1]}", data={"unit": str(UNIT_1), "overall": "7"})
    assert invalid.status_code == 200 and 'name="overall"' in invalid.get_data(as_text=True)
    assert count(session, SurveyResponse) == 0


def test_the_form_needs_its_csrf_token_and_is_rate_limited(app, session, links):
    guarded = production_like(app, WTF_CSRF_ENABLED=True)
    assert (
        guarded.post(f"/s/{links[UNIT_1]}", data={"unit": str(UNIT_1), **SCORES}).status_code == 400
    )
    assert count(session, SurveyResponse) == 0
    page = guarded.get(f"/s/{links[UNIT_1]}").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    ok = guarded.post(
        f"/s/{links[UNIT_1]}", data={"unit": str(UNIT_1), "csrf_token": csrf, **SCORES}
    )
    assert ok.status_code == 200 and count(session, SurveyResponse) == 1
    limited = production_like(app, RATELIMIT_ENABLED=True)
    statuses = [limited.get(f"/s/{links[UNIT_2]}").status_code for _ in range(31)]
    assert set(statuses[:30]) == {200} and statuses[30] == 429


def test_the_payment_notice_carries_the_units_link(api, client, session, survey, links):
    run_billing(session, date(TODAY.year, TODAY.month, 1), community_id=1)
    session.commit()
    bill = session.scalar(select(Bill.id).where(Bill.unit_id == UNIT_1))
    notice = client.get(f"/api/v1/bill/{bill}/notice", headers=api("Finance"))
    text = re.sub(r"\s+", "", pdf.text(notice.data))
    assert f"http://localhost/s/{links[UNIT_1]}" in text
    assert links[UNIT_2] not in text
    close_survey(session, survey)
    session.commit()
    later = client.get(f"/api/v1/bill/{bill}/notice", headers=api("Finance"))
    assert "/s/" not in pdf.text(later.data)


def test_the_public_address_setting_makes_the_links(session, survey):
    from app.models import Setting

    session.add(Setting(key="public_url", value="https://wuye.example.com/"))
    link = survey_links(session, survey)[0]
    assert link.url == f"https://wuye.example.com/s/{token_of(link)}"
    assert unit_id(session, link.unit_code) == link.unit_id
