"""Satisfaction surveys (docs/domain.md §10): default questions, one response per unit, follow-ups
for low scores, one-time links, and the exact figures on a small hand-made set."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.clock import business_date
from app.domain.rates import rate
from app.domain.surveys import Figures, figures
from app.models import (
    Building,
    Community,
    Survey,
    SurveyAnswer,
    SurveyFollowUp,
    SurveyResponse,
    SurveyToken,
    Unit,
)
from app.services import survey_responses as survey_service
from app.services.errors import ConflictError, DomainError, NotFoundError
from app.services.survey_responses import complete_follow_up, record_response, submit_online
from app.services.survey_results import satisfaction_history, satisfaction_summary, survey_results
from app.services.surveys import (
    LinkRefusedError,
    check_link,
    close_survey,
    create_survey,
    issue_tokens,
    open_survey,
    survey_invitation,
    survey_links,
)
from tests.factories import make_owner, make_ownership, make_unit

TODAY = business_date()
DIMENSIONS = [
    "overall",
    "security",
    "cleaning",
    "greening",
    "facilities",
    "customer_service",
    "fee_transparency",
]


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def new_survey(session, community=1, title="2026 上半年满意度调查", days=(0, 30), opened=True):
    survey = create_survey(
        session,
        community,
        title,
        "2026 上半年",
        TODAY + timedelta(days=days[0]),
        TODAY + timedelta(days=days[1]),
    )
    if opened:
        open_survey(session, survey.id)
    return survey


def unit_id(session, code, community=1) -> int:
    return session.scalar(
        select(Unit.id).join(Building).where(Unit.code == code, Building.community_id == community)
    )


def token_of(link) -> str:
    return link.url.rsplit("/", 1)[1]


@pytest.fixture
def units(session):
    """Community A: 1-1-101 and 1-1-102 (the template's), 1-1-103 and 1-1-104 with owners,
    1-1-105 without one."""
    building = session.get(Building, 1)
    community = session.get(Community, 1)
    for n in (3, 4):
        unit = make_unit(session, building, f"1-1-10{n}")
        make_ownership(session, unit, make_owner(session, community, f"业主{n}"))
    make_unit(session, building, "1-1-105")
    return {code: unit_id(session, f"1-1-10{code[-1]}") for code in ("u1", "u2", "u3", "u4", "u5")}


def test_a_new_survey_is_a_draft_with_the_seven_default_questions(session):
    survey = new_survey(session, opened=False)
    assert survey.status == "draft" and survey.created_by == "system"
    assert [q.dimension for q in survey.questions] == DIMENSIONS
    assert [q.position for q in survey.questions] == list(range(1, 8))
    assert all(q.text for q in survey.questions)


def test_a_bad_survey_names_every_field_and_writes_nothing(session):
    with pytest.raises(DomainError) as err:
        create_survey(session, 1, "", "x" * 33, TODAY, TODAY - timedelta(days=1))
    assert set(err.value.messages) == {"title", "period", "closes_on"}
    with pytest.raises(DomainError) as err:
        create_survey(session, 1, "调查", "2026", "2026/01/01", None)
    assert set(err.value.messages) == {"opens_on", "closes_on"}
    with pytest.raises(NotFoundError):
        create_survey(session, 99, "调查", "2026", TODAY, TODAY)
    assert count(session, Survey) == 0


def test_opening_issues_a_link_to_every_unit_with_an_owner(session, units):
    survey = new_survey(session)
    assert survey.status == "open" and survey.opened_at is not None
    tokens = session.scalars(select(SurveyToken).where(SurveyToken.survey_id == survey.id)).all()
    assert sorted(t.unit_id for t in tokens) == [units[u] for u in ("u1", "u2", "u3", "u4")]
    assert {t.expires_on for t in tokens} == {survey.closes_on}
    links = survey_links(session, survey.id)
    assert [link.unit_code for link in links] == ["1-1-101", "1-1-102", "1-1-103", "1-1-104"]
    # only hashes are stored: no token appears in the rows
    assert all(token_of(link) not in (t.token_hash, t.nonce) for link in links for t in tokens)


def test_one_open_survey_per_community_and_only_drafts_open(session):
    first = new_survey(session)
    second = new_survey(session, title="第二次调查", opened=False)
    with pytest.raises(DomainError) as err:
        open_survey(session, second.id)
    assert set(err.value.messages) == {"survey"}
    with pytest.raises(DomainError):
        open_survey(session, first.id)
    close_survey(session, first.id)
    with pytest.raises(DomainError):
        close_survey(session, first.id)
    open_survey(session, second.id)
    close_survey(session, second.id)
    past = new_survey(session, title="过期", days=(-20, -1), opened=False)
    with pytest.raises(DomainError) as err:
        open_survey(session, past.id)
    assert set(err.value.messages) == {"closes_on"}


def test_a_response_is_checked_field_by_field_and_nothing_is_written(session, units):
    survey = new_survey(session)
    other_community_unit = unit_id(session, "1-1-101", community=2)
    cases = [
        ({"overall": 6}, units["u1"], {"overall"}),
        (
            {"overall": 0, "security": "x", "cleaning": True},
            units["u1"],
            {"overall", "security", "cleaning"},
        ),
        ({}, units["u1"], {"answers"}),
        ({"overall": None, "greening": ""}, units["u1"], {"answers"}),
        ({"parking": 3}, units["u1"], {"answers"}),
        ([5, 4], units["u1"], {"answers"}),
        ({"overall": 5}, other_community_unit, {"unit"}),
        ({"overall": 5}, 9999, {"unit"}),
        ({"overall": 5}, units["u1"], set()),  # a valid one, with a comment too long
    ]
    for answers, unit, fields in cases:
        with pytest.raises(DomainError) as err:
            record_response(session, survey.id, unit, answers, "x" * 2001 if not fields else "")
        assert set(err.value.messages) == (fields or {"comment"}), answers
    assert count(session, SurveyResponse) == count(session, SurveyAnswer) == 0


def test_one_response_per_unit_per_survey(session, units):
    survey = new_survey(session)
    record_response(session, survey.id, units["u1"], {"overall": 5})
    with pytest.raises(ConflictError) as err:
        record_response(session, survey.id, units["u1"], {"overall": 1}, "改主意了")
    assert err.value.status == 409 and set(err.value.messages) == {"unit"}
    assert count(session, SurveyResponse) == 1 and count(session, SurveyFollowUp) == 0
    # the same unit answers another survey of its community
    close_survey(session, survey.id)
    record_response(session, new_survey(session, title="下半年").id, units["u1"], {"overall": 4})
    assert count(session, SurveyResponse) == 2


def test_the_database_refuses_a_second_response_too(session, units):
    survey = new_survey(session)
    first = record_response(session, survey.id, units["u1"], {"overall": 5})
    session.add(
        SurveyResponse(
            community_id=1,
            survey_id=survey.id,
            unit_id=units["u1"],
            source="staff",
            comment="",
            submitted_at=first.submitted_at,
            recorded_by="x",
        )
    )
    with pytest.raises(IntegrityError):
        session.flush()


def test_a_response_racing_past_the_check_is_refused_the_same_way(session, units, monkeypatch):
    survey = new_survey(session)
    record_response(session, survey.id, units["u1"], {"overall": 5})
    monkeypatch.setattr(survey_service, "has_answered", lambda *args: False)  # lost the race
    with pytest.raises(ConflictError) as err:
        record_response(session, survey.id, units["u1"], {"overall": 1})
    assert set(err.value.messages) == {"unit"}
    assert count(session, SurveyResponse) == 1 and count(session, SurveyFollowUp) == 0


def test_only_an_open_survey_takes_responses(session, units):
    draft = new_survey(session, opened=False)
    with pytest.raises(DomainError) as err:
        record_response(session, draft.id, units["u1"], {"overall": 5})
    assert set(err.value.messages) == {"survey"}


def test_a_score_of_two_opens_a_follow_up_a_score_of_three_does_not(session, units):
    survey = new_survey(session)
    response = record_response(
        session, survey.id, units["u1"], {"overall": 3, "security": 2, "cleaning": 1, "greening": 5}
    )
    follow_ups = session.scalars(select(SurveyFollowUp).order_by(SurveyFollowUp.id)).all()
    assert [(f.dimension, f.score, f.status) for f in follow_ups] == [
        ("security", 2, "open"),
        ("cleaning", 1, "open"),
    ]
    assert {f.response_id for f in follow_ups} == {response.id}
    assert {f.community_id for f in follow_ups} == {1}


def test_a_follow_up_is_done_with_a_note(session, units):
    survey = new_survey(session)
    record_response(session, survey.id, units["u1"], {"security": 1})
    follow_up = session.scalar(select(SurveyFollowUp))
    with pytest.raises(DomainError) as err:
        complete_follow_up(session, follow_up.id, "  ", "customerservice")
    assert set(err.value.messages) == {"note"} and follow_up.status == "open"
    complete_follow_up(session, follow_up.id, "已回访，增加夜间巡逻", "customerservice")
    assert (follow_up.status, follow_up.done_by) == ("done", "customerservice")
    assert follow_up.done_at is not None
    with pytest.raises(DomainError):
        complete_follow_up(session, follow_up.id, "again", "customerservice")
    with pytest.raises(NotFoundError):
        complete_follow_up(session, 999, "x", "customerservice")


# --- Figures -----------------------------------------------------------------------------


def test_figures_round_half_up():
    assert figures(3, 11, 2) == Figures(3, Decimal("3.67"), Decimal("0.6667"))
    assert figures(8, 34, 5).mean == Decimal("4.25")
    assert figures(8, 33, 5).mean == Decimal("4.13")  # 4.125 half up
    assert figures(0, 0, 0) == Figures(0, None, None)
    assert rate(1, 8) == Decimal("0.1250") and rate(1, 0) is None


@pytest.fixture
def two_surveys(session, units):
    """A closed survey and an open one of community A, answered as in the docstring table:

    ======= ======================= ====================================
    unit    first (closed)          second (open)
    ======= ======================= ====================================
    u1      overall 3, security 2   overall 5, security 1, cleaning 4
    u2      overall 4, security 4   overall 4, security 2, cleaning 5
    u3      —                       overall 2, cleaning 2
    u5      —                       overall 5 (no owner: not in the response rate)
    ======= ======================= ====================================
    """
    first = new_survey(session, title="上次", days=(-30, 0))
    record_response(session, first.id, units["u1"], {"overall": 3, "security": 2})
    record_response(session, first.id, units["u2"], {"overall": "4", "security": 4})
    close_survey(session, first.id)
    second = new_survey(session, title="本次")
    record_response(session, second.id, units["u1"], {"overall": 5, "security": 1, "cleaning": 4})
    record_response(session, second.id, units["u2"], {"overall": 4, "security": 2, "cleaning": 5})
    record_response(session, second.id, units["u3"], {"overall": 2, "cleaning": 2})
    record_response(session, second.id, units["u5"], {"overall": 5})
    return first, second


def by_dimension(results):
    return {d.dimension: d for d in results.dimensions}


def test_exact_figures_against_the_previous_survey(session, two_surveys):
    first, second = two_surveys
    results = survey_results(session, second.id)
    assert (results.units, results.responses) == (4, 3)
    assert results.response_rate == Decimal("0.7500")
    assert results.response_rate_change == Decimal("0.2500")  # 2 of 4 before
    assert (results.previous_id, results.previous_title) == (first.id, "上次 (2026 上半年)")
    assert results.open_follow_ups == 4  # security 1 and 2, overall 2, cleaning 2
    dims = by_dimension(results)
    assert list(dims) == DIMENSIONS
    overall, security, cleaning = dims["overall"], dims["security"], dims["cleaning"]
    assert (overall.answers, overall.mean, overall.satisfaction_rate) == (
        4,
        Decimal("4.00"),
        Decimal("0.7500"),
    )
    assert (overall.mean_change, overall.satisfaction_change) == (
        Decimal("0.50"),
        Decimal("0.2500"),
    )  # 3.50 and 0.5000 before
    assert (security.mean, security.satisfaction_rate) == (Decimal("1.50"), Decimal("0.0000"))
    assert (security.mean_change, security.satisfaction_change) == (
        Decimal("-1.50"),
        Decimal("-0.5000"),
    )
    assert (cleaning.mean, cleaning.satisfaction_rate) == (Decimal("3.67"), Decimal("0.6667"))
    assert (cleaning.mean_change, cleaning.satisfaction_change) == (None, None)  # not asked
    greening = dims["greening"]
    assert (greening.answers, greening.mean, greening.satisfaction_rate) == (0, None, None)
    assert results.overall is overall
    before = survey_results(session, first.id)
    assert (before.previous_id, before.response_rate_change) == (None, None)
    assert by_dimension(before)["overall"].mean_change is None


def test_history_runs_oldest_first(session, two_surveys):
    first, second = two_surveys
    history = satisfaction_history(session, second.id)
    assert [h.survey_id for h in history] == [first.id, second.id]
    assert [h.overall.satisfaction_rate for h in history] == [Decimal("0.5000"), Decimal("0.7500")]


def test_the_summary_takes_each_communitys_latest_closed_survey(session, two_surveys):
    first, second = two_surveys
    assert [r.survey_id for r in satisfaction_summary(session, TODAY, None)] == [first.id]
    close_survey(session, second.id)
    assert satisfaction_summary(session, TODAY, None)[0].survey_id == first.id  # closes later
    later = TODAY + timedelta(days=30)
    summary = satisfaction_summary(session, later, None)
    assert [(r.survey_id, r.community) for r in summary] == [(second.id, "安居小区")]
    assert summary[0].overall.satisfaction_change == Decimal("0.2500")
    assert satisfaction_summary(session, later, {2}) == []
    assert satisfaction_summary(session, TODAY - timedelta(days=1), None) == []


# --- Links ---------------------------------------------------------------------------------


def links_by_unit(session, survey) -> dict[str, str]:
    return {link.unit_code: token_of(link) for link in survey_links(session, survey.id)}


def test_an_owner_answers_once_through_the_link(session, units):
    survey = new_survey(session)
    token = links_by_unit(session, survey)["1-1-101"]
    assert check_link(session, token).unit_id == units["u1"]
    response = submit_online(
        session, token, units["u1"], {"overall": "5", "greening": "2"}, "绿化太少"
    )
    assert (response.source, response.recorded_by, response.comment) == (
        "online",
        "online",
        "绿化太少",
    )
    assert session.scalar(select(SurveyFollowUp.dimension)) == "greening"
    row = session.scalar(select(SurveyToken).where(SurveyToken.unit_id == units["u1"]))
    assert row.used_at == response.submitted_at
    assert "1-1-101" not in links_by_unit(session, survey)


def refused(session, token, unit, answers=None, today=None) -> LinkRefusedError:
    before = count(session, SurveyResponse), count(session, SurveyFollowUp)
    with pytest.raises(LinkRefusedError) as err:
        if today is None:
            submit_online(session, token, unit, answers or {"overall": 1})
        else:
            check_link(session, token, today)
    assert (count(session, SurveyResponse), count(session, SurveyFollowUp)) == before
    return err.value


def test_misused_links_are_refused_and_write_nothing(session, units):
    survey = new_survey(session)
    tokens = links_by_unit(session, survey)
    # another unit's link
    assert refused(session, tokens["1-1-101"], units["u2"]).status == 403
    # unknown, or garbled
    assert refused(session, "no-such-token", units["u1"]).status == 404
    assert refused(session, tokens["1-1-101"][:-1], units["u1"]).status == 404
    # used once already
    submit_online(session, tokens["1-1-101"], units["u1"], {"overall": 4})
    assert refused(session, tokens["1-1-101"], units["u1"]).status == 410
    # the unit answered through staff: its link is spent too
    record_response(session, survey.id, units["u2"], {"overall": 4})
    assert refused(session, tokens["1-1-102"], units["u2"]).status == 409
    # expired: a link issued until tomorrow, tried the day after
    tomorrow = TODAY + timedelta(days=1)
    short = {link.unit_code: token_of(link) for link in issue_tokens(session, survey.id, tomorrow)}
    assert set(short) == {"1-1-103", "1-1-104"}  # answered units get no new link
    assert check_link(session, short["1-1-103"], tomorrow).unit_id == units["u3"]
    assert (
        refused(session, short["1-1-103"], None, today=tomorrow + timedelta(days=1)).status == 410
    )
    # a closed survey
    close_survey(session, survey.id)
    assert refused(session, tokens["1-1-104"], units["u4"]).status == 410


def test_a_link_is_not_valid_before_its_survey_opens(session, units):
    survey = new_survey(session, days=(3, 30))
    token = links_by_unit(session, survey)["1-1-101"]
    assert refused(session, token, units["u1"]).status == 410
    assert check_link(session, token, TODAY + timedelta(days=3)).unit_id == units["u1"]


def test_issuing_links_checks_the_expiry_day(session, units):
    survey = new_survey(session)
    for day in (TODAY - timedelta(days=1), survey.closes_on + timedelta(days=1), "soon"):
        with pytest.raises(DomainError) as err:
            issue_tokens(session, survey.id, day)
        assert set(err.value.messages) == {"expires_on"}
    close_survey(session, survey.id)
    with pytest.raises(DomainError) as err:
        issue_tokens(session, survey.id, TODAY)
    assert "survey" in err.value.messages


def test_the_invitation_printed_on_a_notice(app, session, units, monkeypatch):
    survey = new_survey(session)
    invitation = survey_invitation(session, units["u1"], TODAY)
    assert invitation["title"] == survey.title and invitation["expires_on"] == survey.closes_on
    token = invitation["url"].rsplit("/", 1)[1]
    assert check_link(session, token).unit_id == units["u1"]
    assert invitation["url"] == f"/s/{token}"  # no public address set: a path
    assert survey_invitation(session, units["u5"], TODAY) is None  # no owner, no link
    assert survey_invitation(session, unit_id(session, "1-1-101", 2), TODAY) is None
    assert survey_invitation(session, units["u1"], survey.closes_on + timedelta(days=1)) is None
    # after the secret key changed, the old links cannot be printed
    monkeypatch.setitem(app.config, "SECRET_KEY", "another-secret-key-of-at-least-32-bytes")
    assert survey_invitation(session, units["u1"], TODAY) is None
