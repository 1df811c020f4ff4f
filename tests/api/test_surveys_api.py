"""``/api/v1/survey`` and ``/api/v1/survey_response``: who may do what, community scoping,
one response per unit, and the results."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.models import Survey, SurveyFollowUp, SurveyResponse, SurveyToken
from app.services.survey_responses import record_response
from tests.api.test_permissions import ROLES, parse_table
from tests.services.test_surveys import TODAY, new_survey

SURVEYS, RESPONSES = "/api/v1/survey/", "/api/v1/survey_response/"
NEW_SURVEY = {
    "community": 1,
    "title": "满意度调查",
    "period": "2026",
    "opens_on": TODAY.isoformat(),
    "closes_on": (TODAY + timedelta(days=30)).isoformat(),
}

# L list, G get, P post a survey / a response, O open and close, T issue links, R results,
# X export; "-" none of them.
MATRIX = parse_table("""
                 Admin    Manager  Finance  CustomerService  Collector  Auditor
survey           LGPOTRX  LGORX    -        LGPOTR           -          LGRX
survey_response  LGPX     LGX      -        LGP              -          LGX
""")


def count(session, model) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def survey(session) -> int:
    """An open survey of community A with one response (committed)."""
    survey_id = new_survey(session).id
    record_response(session, survey_id, 1, {"overall": 4})
    session.commit()
    return survey_id


def call(client, op: str, resource: str, survey: int, headers):
    base = SURVEYS if resource == "survey" else RESPONSES
    response_id = 1
    calls = {
        "L": lambda: client.get(base, headers=headers),
        "G": lambda: client.get(
            f"{base}{survey if resource == 'survey' else response_id}", headers=headers
        ),
        "P": lambda: client.post(
            base,
            headers=headers,
            json=NEW_SURVEY
            if resource == "survey"
            else {"survey": survey, "unit": 2, "answers": {"overall": 5}},
        ),
        "O": lambda: client.post(f"{base}{survey}/close", headers=headers),
        "T": lambda: client.post(
            f"{base}{survey}/tokens", headers=headers, json={"expires_on": TODAY.isoformat()}
        ),
        "R": lambda: client.get(f"{base}{survey}/results", headers=headers),
        "X": lambda: client.get(f"{base}export/?format=csv", headers=headers),
    }
    return calls[op]()


CASES = [
    pytest.param(role, resource, op, id=f"{role}-{resource}-{op}")
    for resource, ops in (("survey", "LGPOTRX"), ("survey_response", "LGPX"))
    for role in ROLES
    for op in ops
]


@pytest.mark.parametrize(("role", "resource", "op"), CASES)
def test_the_role_matrix(client, session, api, survey, role, resource, op):
    before = count(session, Survey), count(session, SurveyResponse), count(session, SurveyToken)
    response = call(client, op, resource, survey, api(role))
    if op in MATRIX[resource][role]:
        assert response.status_code in (200, 201), response.get_json()
    else:
        assert response.status_code == 403
        assert (
            count(session, Survey),
            count(session, SurveyResponse),
            count(session, SurveyToken),
        ) == before


@pytest.mark.parametrize("path", [SURVEYS, RESPONSES, f"{SURVEYS}1/results"])
def test_without_credentials_is_401(client, path):
    assert client.get(path).status_code == 401


def test_a_survey_is_created_with_its_questions_and_opened(client, api, session):
    headers = api("CustomerService")
    created = client.post(SURVEYS, json=NEW_SURVEY, headers=headers)
    assert created.status_code == 201 and created.json["status"] == "draft"
    assert [q["dimension"] for q in created.json["questions"]][:2] == ["overall", "security"]
    opened = client.post(f"{SURVEYS}{created.json['id']}/open", headers=headers)
    assert opened.status_code == 200 and opened.json["status"] == "open"
    assert count(session, SurveyToken) == 2
    again = client.post(f"{SURVEYS}{created.json['id']}/open", headers=headers)
    assert again.status_code == 400 and set(again.json["message"]) == {"survey"}


def test_a_bad_survey_answers_400_naming_the_fields(client, api, session):
    body = NEW_SURVEY | {"title": "", "closes_on": "tomorrow"}
    response = client.post(SURVEYS, json=body, headers=api("CustomerService"))
    assert response.status_code == 400
    assert set(response.json["message"]) == {"title", "closes_on"}
    assert count(session, Survey) == 0


def test_one_response_per_unit(client, api, session, survey):
    body = {
        "survey": survey,
        "unit": 2,
        "answers": {"overall": 2, "cleaning": "5"},
        "comment": "电梯常坏",
    }
    first = client.post(RESPONSES, json=body, headers=api("CustomerService"))
    assert first.status_code == 201
    assert first.json["answers"] == {"overall": 2, "cleaning": 5}
    assert first.json["follow_ups"] == 1
    second = client.post(RESPONSES, json=body, headers=api("CustomerService"))
    assert second.status_code == 409 and set(second.json["message"]) == {"unit"}
    assert count(session, SurveyResponse) == 2 and count(session, SurveyFollowUp) == 1


def test_a_bad_response_answers_400_and_writes_nothing(client, api, session, survey):
    body = {"survey": survey, "unit": 2, "answers": {"overall": 6, "security": 0}}
    response = client.post(RESPONSES, json=body, headers=api("CustomerService"))
    assert response.status_code == 400
    assert set(response.json["message"]) == {"overall", "security"}
    assert count(session, SurveyResponse) == 1


def test_responses_are_listed_with_their_answers(client, api, survey):
    listing = client.get(RESPONSES, headers=api("Auditor")).json
    assert listing["count"] == 1
    row = listing["result"][0]
    assert (row["unit"]["code"], row["source"], row["answers"]) == (
        "1-1-101",
        "staff",
        {"overall": 4},
    )
    one = client.get(f"{RESPONSES}{listing['ids'][0]}", headers=api("Manager")).json
    assert one["result"]["answers"] == {"overall": 4}


def test_the_results(client, api, survey):
    results = client.get(f"{SURVEYS}{survey}/results", headers=api("Manager")).json
    assert (results["units"], results["responses"], results["response_rate"]) == (2, 1, "0.5000")
    overall = results["dimensions"][0]
    assert overall == {
        "dimension": "overall",
        "answers": 1,
        "mean": "4.00",
        "satisfaction_rate": "1.0000",
        "mean_change": None,
        "satisfaction_rate_change": None,
    }
    assert results["dimensions"][1]["mean"] is None


def test_issued_links_come_back(client, api, survey):
    response = client.post(
        f"{SURVEYS}{survey}/tokens",
        headers=api("CustomerService"),
        json={"expires_on": (TODAY + timedelta(days=3)).isoformat()},
    )
    assert response.status_code == 201
    links = response.json["links"]
    assert [link["unit_code"] for link in links] == ["1-1-102"]  # 1-1-101 has answered
    assert links[0]["url"].startswith("http://localhost/s/")
    assert client.get(links[0]["url"].removeprefix("http://localhost")).status_code == 200


def test_another_communitys_surveys_are_out_of_sight(client, api, session, survey):
    other = new_survey(session, community=2).id
    session.commit()
    staff = api("CustomerService")
    assert [s["id"] for s in client.get(SURVEYS, headers=staff).json["result"]] == [survey]
    assert client.get(f"{SURVEYS}{other}", headers=staff).status_code == 404
    assert client.get(f"{SURVEYS}{other}/results", headers=staff).status_code == 404
    assert client.post(f"{SURVEYS}{other}/close", headers=staff).status_code == 404
    response = client.post(
        RESPONSES, headers=staff, json={"survey": other, "unit": 3, "answers": {"overall": 5}}
    )
    assert response.status_code == 404
    assert (
        client.post(SURVEYS, json=NEW_SURVEY | {"community": 2}, headers=staff).status_code == 404
    )
    # a unit of community B on community A's survey
    response = client.post(
        RESPONSES, headers=staff, json={"survey": survey, "unit": 3, "answers": {"overall": 5}}
    )
    assert response.status_code == 400 and set(response.json["message"]) == {"unit"}
    assert len(client.get(SURVEYS, headers=api("Auditor")).json["result"]) == 2
    assert count(session, SurveyResponse) == 1
