"""Responses to satisfaction surveys (docs/domain.md §10) and their follow-ups.

``record_response`` (staff entry) and ``submit_online`` (the owner, by link: see
``app.services.surveys``) record one unit's answers — one response per unit per survey, refused
by name and backed by a unique key — and open a follow-up for customer service for every score
of 2 or less; ``complete_follow_up`` marks one done, with what was done.
"""

from collections.abc import Mapping
from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.domain.surveys import needs_follow_up, valid_score
from app.models import (
    Survey,
    SurveyAnswer,
    SurveyFollowUp,
    SurveyQuestion,
    SurveyResponse,
    Unit,
)
from app.models.surveys import FollowUpStatus, ResponseSource, SurveyStatus
from app.services.errors import ConflictError, Problems
from app.services.queries import whole_number
from app.services.rows import find_row
from app.services.surveys import (
    NOTE_LENGTH,
    LinkRefusedError,
    check_link,
    get_survey,
    has_answered,
)

# --- Responses -------------------------------------------------------------------------------


def _scores(problems: Problems, survey: Survey, answers) -> dict[SurveyQuestion, int]:
    """The scores given, by question; unanswered questions are left out."""
    if not isinstance(answers, Mapping):
        problems.add("answers", _l("Give the scores by dimension."))
        return {}
    questions = {q.dimension: q for q in survey.questions}
    unknown = sorted(str(k) for k in answers if k not in questions)
    problems.check(
        not unknown, "answers", _l("Unknown questions: %(names)s.", names=", ".join(unknown))
    )
    given = {q: answers[d] for d, q in questions.items() if answers.get(d) not in (None, "")}
    problems.check(bool(given) or bool(unknown), "answers", _l("Answer at least one question."))
    scores = {}
    for question, value in given.items():
        score = int(value) if isinstance(value, str) and value.strip().isdigit() else value
        if problems.check(valid_score(score), question.dimension, _l("Give a score from 1 to 5.")):
            scores[question] = score
    return scores


def _record(
    session: Session,
    survey: Survey,
    unit_id,
    answers,
    comment: str,
    source: ResponseSource,
    actor: str,
) -> SurveyResponse:
    """Check and record one unit's response with its follow-ups; the unique key backs the
    one-response-per-unit rule against a concurrent second response (refused the same way)."""
    problems = Problems()
    problems.check(survey.status == SurveyStatus.OPEN, "survey", _l("This survey is not open."))
    # unscoped: the survey is the user's (or the owner's link); its unit must be of its community
    unit = session.get(Unit, whole_number(unit_id) or 0)
    if problems.check(
        unit is not None and unit.building.community_id == survey.community_id,
        "unit",
        _l("This unit is not in the survey's community."),
    ):
        assert unit is not None  # checked just above
        problems.conflict(
            has_answered(session, survey.id, unit.id),
            "unit",
            _l("This unit has answered this survey already (one response per unit)."),
        )
    scores = _scores(problems, survey, answers)
    comment = problems.text("comment", comment, NOTE_LENGTH, required=False)
    problems.raise_if_any()
    now = datetime.now(UTC)
    response = SurveyResponse(
        community_id=survey.community_id,
        survey=survey,
        unit=unit,
        source=source,
        comment=comment,
        submitted_at=now,
        recorded_by=actor,
        answers=[SurveyAnswer(question=q, score=s) for q, s in scores.items()],
    )
    follow_ups = [
        SurveyFollowUp(
            community_id=survey.community_id,
            response=response,
            dimension=question.dimension,
            score=score,
            status=FollowUpStatus.OPEN,
            created_at=now,
        )
        for question, score in scores.items()
        if needs_follow_up(score)
    ]
    try:
        with session.begin_nested():
            session.add_all([response, *follow_ups])
            session.flush()
    except IntegrityError as err:
        raise ConflictError(
            unit=_l("This unit has answered this survey already (one response per unit).")
        ) from err
    return response


def record_response(
    session: Session, survey_id, unit_id, answers, comment: str = "", actor: str = "system"
) -> SurveyResponse:
    """Staff enter one unit's answers (``{dimension: score}``) from a paper form or a call.

    :raises NotFoundError: for a survey the user may not see.
    :raises ConflictError: the unit has answered already (409).
    :raises DomainError: naming every bad field; nothing is written.
    """
    survey = get_survey(session, survey_id)
    return _record(session, survey, unit_id, answers, comment, ResponseSource.STAFF, actor)


def submit_online(
    session: Session, token: str, unit_id, answers, comment: str = ""
) -> SurveyResponse:
    """The owner's own response through a link; spends the link.

    :raises LinkRefusedError: see ``check_link``; 403 when ``unit_id`` is not the link's unit.
    :raises DomainError: naming every bad answer; nothing is written.
    """
    row = check_link(session, token)
    if whole_number(unit_id) != row.unit_id:
        raise LinkRefusedError(403, "unit", _l("This link belongs to another unit."))
    response = _record(
        session, row.survey, row.unit_id, answers, comment, ResponseSource.ONLINE, "online"
    )
    row.used_at = response.submitted_at
    session.flush()
    return response


# --- Follow-ups ----------------------------------------------------------------------------


def complete_follow_up(session: Session, follow_up_id, note: str, actor: str) -> SurveyFollowUp:
    """Mark a follow-up done, with what was done (the note)."""
    item = find_row(session, SurveyFollowUp, follow_up_id, follow_up=_l("Unknown follow-up."))
    problems = Problems()
    problems.check(
        item.status == FollowUpStatus.OPEN, "follow_up", _l("This follow-up is done already.")
    )
    note = problems.text("note", note, NOTE_LENGTH)
    problems.raise_if_any()
    item.status = FollowUpStatus.DONE
    item.note = note
    item.done_by = actor
    item.done_at = datetime.now(UTC)
    session.flush()
    return item
