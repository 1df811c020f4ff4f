"""Figures of satisfaction surveys (docs/domain.md §10).

Figures (``survey_results``): per dimension the number of answers, the mean score and the
satisfaction rate (share of scores ≥ 4); the response rate = responses of units with a paying
owner on the survey's closing day ÷ those units (units without an owner have nobody to ask);
and the change of each figure against the community's previous closed survey.
``satisfaction_summary`` gives these figures for the latest closed survey of each community.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from app.domain.rates import rate
from app.domain.surveys import SATISFIED_FROM, Figures, change, figures
from app.models import (
    Community,
    Survey,
    SurveyAnswer,
    SurveyFollowUp,
    SurveyQuestion,
    SurveyResponse,
)
from app.models.surveys import FollowUpStatus, SurveyDimension, SurveyStatus
from app.services.rows import visible_rows
from app.services.surveys import answered_units, get_survey, owned_units

# --- Results -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DimensionResult:
    dimension: str
    label: object  # lazy: translated when shown
    answers: int
    mean: object  # Decimal | None
    satisfaction_rate: object  # Decimal | None
    mean_change: object  # Decimal | None: against the previous survey
    satisfaction_change: object  # Decimal | None


@dataclass(frozen=True)
class SurveyResults:
    survey_id: int
    community_id: int
    community: str
    title: str
    period: str
    opens_on: date
    closes_on: date
    status: str
    units: int  # with a paying owner on the closing day
    responses: int  # of those units
    response_rate: object  # Decimal | None
    response_rate_change: object  # Decimal | None
    dimensions: list[DimensionResult]
    previous_id: int | None
    previous_title: str | None
    open_follow_ups: int

    @property
    def overall(self) -> DimensionResult:
        return next(d for d in self.dimensions if d.dimension == SurveyDimension.OVERALL)


@dataclass(frozen=True)
class _Raw:
    units: int
    responses: int
    dimensions: dict[str, Figures]

    @property
    def response_rate(self):
        return rate(self.responses, self.units)


def _raw(session: Session, survey: Survey) -> _Raw:
    rows = session.execute(
        select(
            SurveyQuestion.dimension,
            func.count(SurveyAnswer.id),
            func.coalesce(func.sum(SurveyAnswer.score), 0),
            func.count(SurveyAnswer.id).filter(SurveyAnswer.score >= SATISFIED_FROM),
        )
        .outerjoin(SurveyAnswer, SurveyAnswer.question_id == SurveyQuestion.id)
        .where(SurveyQuestion.survey_id == survey.id)
        .group_by(SurveyQuestion.dimension, SurveyQuestion.position)
        .order_by(SurveyQuestion.position)
    )
    dimensions = {dim: figures(n, int(total), satisfied) for dim, n, total, satisfied in rows}
    units = owned_units(session, survey.community_id, survey.closes_on).keys()
    responses = len(units & answered_units(session, survey.id))
    return _Raw(len(units), responses, dimensions)


def previous_survey(session: Session, survey: Survey) -> Survey | None:
    """The community's closed survey closing last before ``survey``."""
    earlier = or_(
        Survey.closes_on < survey.closes_on,
        and_(Survey.closes_on == survey.closes_on, Survey.id < survey.id),
    )
    return session.scalar(
        # unscoped: the previous survey of one its caller holds, in the same community
        select(Survey)
        .where(
            Survey.community_id == survey.community_id,
            Survey.status == SurveyStatus.CLOSED,
            earlier,
        )
        .order_by(Survey.closes_on.desc(), Survey.id.desc())
        .limit(1)
    )


def results_of(session: Session, survey: Survey) -> SurveyResults:
    """The figures of ``survey`` against its previous one (no scope check: callers do it)."""
    now = _raw(session, survey)
    previous = previous_survey(session, survey)
    before = _raw(session, previous) if previous is not None else None
    empty = Figures(0, None, None)

    def result(dimension: str, fig: Figures) -> DimensionResult:
        old = before.dimensions.get(dimension, empty) if before else empty
        return DimensionResult(
            dimension,
            SurveyDimension(dimension).label,
            fig.answers,
            fig.mean,
            fig.satisfaction_rate,
            change(fig.mean, old.mean),
            change(fig.satisfaction_rate, old.satisfaction_rate),
        )

    open_follow_ups = session.execute(
        select(func.count(SurveyFollowUp.id))
        .join(SurveyResponse)
        .where(SurveyResponse.survey_id == survey.id, SurveyFollowUp.status == FollowUpStatus.OPEN)
    ).scalar_one()
    return SurveyResults(
        survey_id=survey.id,
        community_id=survey.community_id,
        community=survey.community.name,
        title=survey.title,
        period=survey.period,
        opens_on=survey.opens_on,
        closes_on=survey.closes_on,
        status=survey.status,
        units=now.units,
        responses=now.responses,
        response_rate=now.response_rate,
        response_rate_change=change(now.response_rate, before.response_rate if before else None),
        dimensions=[result(dim, fig) for dim, fig in now.dimensions.items()],
        previous_id=previous.id if previous else None,
        previous_title=str(previous) if previous else None,
        open_follow_ups=open_follow_ups,
    )


def survey_results(session: Session, survey_id) -> SurveyResults:
    """A survey's figures (see the module's docstring).

    :raises NotFoundError: for a survey the user may not see.
    """
    return results_of(session, get_survey(session, survey_id))


def satisfaction_history(session: Session, survey_id, limit: int = 8) -> list[SurveyResults]:
    """The figures of a survey and of the community's closed surveys before it, oldest first
    (at most ``limit``)."""
    survey = get_survey(session, survey_id)
    surveys = [survey]
    while len(surveys) < limit and (earlier := previous_survey(session, surveys[-1])):
        surveys.append(earlier)
    return [results_of(session, s) for s in reversed(surveys)]


def satisfaction_summary(
    session: Session, as_of: date, community_ids: set[int] | None
) -> list[SurveyResults]:
    """The figures of each community's latest survey closed by ``as_of`` (closing on or before
    it), by community code; ``community_ids`` None means every community."""
    query = (
        visible_rows(Survey, community_ids)
        .join(Community)
        .where(Survey.status == SurveyStatus.CLOSED, Survey.closes_on <= as_of)
        .order_by(Community.code, Survey.closes_on.desc(), Survey.id.desc())
    )
    latest: dict[int, Survey] = {}
    for survey in session.scalars(query):
        latest.setdefault(survey.community_id, survey)
    return [results_of(session, survey) for survey in latest.values()]
