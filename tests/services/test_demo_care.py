"""The demo's collection and care (app/demo/collection.py, app/demo/care.py), seeded with the
demo's history on the ``clock`` fixture's day, on SQLite and PostgreSQL: what the collector,
customer service and the manager find on their first login; a second seed adds nothing.

The clock stands on that day because the survey is opened through its service, which reads the
clock (a survey whose closing day is past cannot be opened)."""

import pytest
from sqlalchemy import func, select

from app.clock import business_date
from app.demo import care, collection, seed_demo
from app.demo.care import INSPECTOR
from app.demo.collection import CAMPAIGN
from app.extensions import db
from app.models import (
    CollectionCampaign,
    CollectionTask,
    Community,
    Complaint,
    ContactAttempt,
    DunningAction,
    DunningCase,
    InstallmentAgreement,
    Payment,
    Rectification,
    SupervisionCheck,
    Survey,
    SurveyResponse,
)
from app.services.complaint_flags import overdue_now
from app.services.survey_results import survey_results
from tests.collection import user_id
from tests.conftest import CLOCK_NOW

TODAY = business_date(CLOCK_NOW)
UNITS = 30  # a unit in arrears is rarer than the rest: enough of them to see every kind


def seed(session, app) -> dict[str, int]:
    result = seed_demo(session, app.appbuilder.sm, 2, UNITS, today=TODAY, history=True)
    return result.history


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def demo(request, app, clock):
    """(session, app, history) of the demo seeded on ``TODAY``, on SQLite or PostgreSQL."""
    if request.param == "sqlite":
        session = request.getfixturevalue("session")
        yield session, app, seed(session, app)
        return
    pg_app = request.getfixturevalue("pg_app")
    with pg_app.app_context():
        yield db.session, pg_app, seed(db.session, pg_app)
        db.session.rollback()


def count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_the_demo_lives_its_collection_and_care(demo):
    """One seed per database (the year of money takes a while): what each user finds, then a
    second seed."""
    session, app, history = demo
    the_collector_finds_a_campaign_and_dunning_at_several_levels(session, history)
    customer_service_finds_complaints_in_every_state(session, history)
    the_manager_finds_a_closed_survey_and_open_rectifications(session)
    a_second_seed_adds_nothing(session, app, history)


def the_collector_finds_a_campaign_and_dunning_at_several_levels(session, history):
    levels = set(session.scalars(select(DunningAction.level).distinct()))
    assert len(levels) >= 2 and levels & {2, 3}, levels  # reminders, letters and visits
    assert count(session, DunningCase, DunningCase.closed_on.is_(None)) >= 2
    visits = session.scalars(select(DunningAction).where(DunningAction.channel == "visit")).all()
    assert visits and all(v.task_id is not None for v in visits)  # on the collector's list
    assert all(v.scheduled_on < TODAY for v in visits if v.attempt_id is not None)
    collector = user_id(session, "collector")
    campaigns = session.scalars(
        select(CollectionCampaign).where(CollectionCampaign.name == CAMPAIGN)
    ).all()
    assert campaigns and all(c.status == "active" for c in campaigns)
    assert {t.assignee_id for c in campaigns for t in c.tasks} == {collector}
    assert all(c.started_on < TODAY for c in campaigns)
    attempts = session.scalars(select(ContactAttempt)).all()
    assert attempts and {a.recorded_by for a in attempts} == {"collector"}
    assert all(a.at < CLOCK_NOW for a in attempts)
    statuses = set(session.scalars(select(InstallmentAgreement.status)))
    assert "active" in statuses, statuses
    assert history["dunning actions"] == count(session, DunningAction)
    assert history["contact attempts"] == len(attempts)


def customer_service_finds_complaints_in_every_state(session, history):
    demo_complaints = Complaint.logged_by == "service"
    statuses = set(session.scalars(select(Complaint.status).where(demo_complaints)))
    assert statuses == {"new", "acknowledged", "in_progress", "resolved", "closed", "reopened"}
    assert count(session, Complaint, overdue_now(CLOCK_NOW)) >= 1
    assert len(set(session.scalars(select(Complaint.category)))) >= 6
    assert len(set(session.scalars(select(Complaint.channel)))) >= 5
    scores = session.scalars(select(Complaint.satisfaction).where(Complaint.status == "closed"))
    assert all(1 <= score <= 5 for score in scores)
    assert all(c.received_on <= TODAY for c in session.scalars(select(Complaint)))
    assert history["complaints"] == count(session, Complaint)


def the_manager_finds_a_closed_survey_and_open_rectifications(session):
    surveys = session.scalars(select(Survey)).all()
    assert len(surveys) == 2 and {s.status for s in surveys} == {"closed"}
    for survey in surveys:
        results = survey_results(session, survey.id)
        assert results.responses >= 3 and results.response_rate > 0
        assert all(d.mean is not None for d in results.dimensions)
        assert survey.closes_on == TODAY and survey.opens_on < TODAY
    checks = session.scalars(
        select(SupervisionCheck).where(SupervisionCheck.inspector == INSPECTOR)
    ).all()
    assert len(checks) == 8 and all(c.checked_on < TODAY for c in checks)
    statuses = set(session.scalars(select(Rectification.status)))
    assert {"open", "overdue", "rectified", "accepted"} <= statuses


def a_second_seed_adds_nothing(session, app, history):
    tables = (
        DunningAction,
        CollectionTask,
        ContactAttempt,
        InstallmentAgreement,
        Payment,
        Complaint,
        SurveyResponse,
        Rectification,
    )
    before = [count(session, model) for model in tables]
    again = seed(session, app)
    communities = session.scalars(
        select(Community).where(Community.code.in_(["HY", "JD"])).order_by(Community.id)
    ).all()
    collection.seed(session, communities, TODAY)
    care.seed(session, communities, TODAY)
    assert [count(session, model) for model in tables] == before
    mine = collection.counts(session, communities, TODAY) | care.counts(session, communities, TODAY)
    assert mine == {key: history[key] for key in mine} == {key: again[key] for key in mine}
