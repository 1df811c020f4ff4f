"""Satisfaction surveys (满意度调查, docs/domain.md §10): the surveys and their links.

``create_survey`` makes a draft with the seven default questions. ``open_survey`` opens it (one
open survey per community at a time) and issues every unit's link, valid until the closing day;
``close_survey`` ends it.

Links: ``issue_tokens`` gives each unit of the community that has a paying owner today and has
not answered yet a new one-time token. Only the token's SHA-256 hash and a random nonce are
stored; the token is an HMAC of the nonce under the application's secret key, so the server can
print a unit's live link again (``survey_invitation``, on the payment notice) while a copy of
the database alone opens nothing. A link is refused (``LinkRefusedError``, nothing written) when
unknown, expired, already used, when the survey is not open or outside its dates, when the unit
has answered already, and when the form names another unit than the link's.

The responses and their follow-ups are in ``app.services.survey_responses``; the figures in
``app.services.survey_results``.
"""

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime

from flask import current_app, has_request_context, request
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session, joinedload

from app.clock import business_date
from app.models import (
    Building,
    Community,
    Ownership,
    Survey,
    SurveyQuestion,
    SurveyResponse,
    SurveyToken,
    Unit,
)
from app.models.surveys import SurveyDimension, SurveyStatus
from app.services.errors import DomainError, Problems
from app.services.rows import find_row
from app.services.settings import get_setting

NOTE_LENGTH = 2000


class LinkRefusedError(DomainError):
    """A survey link that may not be used; ``status`` says why (404, 403, 409 or 410)."""

    def __init__(self, status: int, field: str, why):
        self.status = status
        super().__init__(**{field: why})


# --- Surveys ---------------------------------------------------------------------------------


def default_questions() -> list[SurveyQuestion]:
    """The seven questions of §10, worded in the company's language (they are shown to owners)."""
    with force_locale(current_app.config["WUYE_LOCALE"]):
        return [
            SurveyQuestion(dimension=dimension.value, text=str(text), position=position)
            for position, (dimension, text) in enumerate(SurveyDimension.QUESTIONS().items(), 1)
        ]


def create_survey(
    session: Session,
    community_id,
    title: str,
    period: str,
    opens_on,
    closes_on,
    actor: str = "system",
) -> Survey:
    """A draft survey of a community with the default questions.

    :raises NotFoundError: for a community the user may not see.
    :raises DomainError: naming every bad field; nothing is written.
    """
    community = find_row(session, Community, community_id, community=_l("Unknown community."))
    problems = Problems()
    title = problems.text("title", title, 100)
    period = problems.text("period", period, 32)
    opens_on = problems.day("opens_on", opens_on, _l("This field is required."))
    closes_on = problems.day("closes_on", closes_on, _l("This field is required."))
    if opens_on and closes_on:
        problems.check(
            closes_on >= opens_on, "closes_on", _l("The survey cannot close before it opens.")
        )
    problems.raise_if_any()
    survey = Survey(
        community=community,
        title=title,
        period=period,
        opens_on=opens_on,
        closes_on=closes_on,
        status=SurveyStatus.DRAFT,
        created_by=actor,
        created_at=datetime.now(UTC),
        questions=default_questions(),
    )
    session.add(survey)
    session.flush()
    return survey


def get_survey(session: Session, survey_id) -> Survey:
    return find_row(session, Survey, survey_id, survey=_l("Unknown survey."))


def open_survey(session: Session, survey_id, actor: str = "system") -> Survey:
    """Open a draft survey and issue every unit's link, valid until the closing day."""
    survey = get_survey(session, survey_id)
    problems = Problems()
    problems.check(
        survey.status == SurveyStatus.DRAFT, "survey", _l("Only a draft survey can be opened.")
    )
    problems.check(
        survey.closes_on >= business_date(),
        "closes_on",
        _l("The closing day has passed already."),
    )
    other = session.scalar(
        select(Survey.title).where(
            Survey.community_id == survey.community_id,
            Survey.status == SurveyStatus.OPEN,
            Survey.id != survey.id,
        )
    )
    problems.check(
        other is None,
        "survey",
        _l("Close the open survey %(title)s of this community first.", title=other),
    )
    problems.raise_if_any()
    survey.status = SurveyStatus.OPEN
    survey.opened_at = datetime.now(UTC)
    session.flush()
    issue_tokens(session, survey.id, survey.closes_on, actor)
    return survey


def close_survey(session: Session, survey_id) -> Survey:
    """Close an open survey: no more responses; its links stop working."""
    survey = get_survey(session, survey_id)
    if survey.status != SurveyStatus.OPEN:
        raise DomainError(survey=_l("Only an open survey can be closed."))
    survey.status = SurveyStatus.CLOSED
    survey.closed_at = datetime.now(UTC)
    session.flush()
    return survey


# --- Units ---------------------------------------------------------------------------------


def _owned_on(day: date):
    """SQL: the unit has a paying owner on ``day``."""
    return exists().where(
        Ownership.unit_id == Unit.id,
        Ownership.start_date <= day,
        or_(Ownership.end_date.is_(None), Ownership.end_date >= day),
    )


def owned_units(session: Session, community_id: int, day: date) -> dict[int, str]:
    """The community's units with a paying owner on ``day`` (whom a survey asks): id -> code."""
    return dict(
        session.execute(
            select(Unit.id, Unit.code)
            .join(Building)
            .where(Building.community_id == community_id, _owned_on(day))
            .order_by(Unit.id)
        ).all()
    )


def find_unit(session: Session, community_id: int, code: str) -> int | None:
    """The id of the community's unit with ``code``, if there is one."""
    return session.scalar(
        select(Unit.id)
        .join(Building)
        .where(Building.community_id == community_id, Unit.code == (code or "").strip())
    )


def answered_units(session: Session, survey_id: int) -> set[int]:
    return set(
        session.scalars(select(SurveyResponse.unit_id).where(SurveyResponse.survey_id == survey_id))
    )


def has_answered(session: Session, survey_id: int, unit_id: int) -> bool:
    return session.execute(
        select(
            exists().where(SurveyResponse.survey_id == survey_id, SurveyResponse.unit_id == unit_id)
        )
    ).scalar_one()


# --- Links -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SurveyLink:
    unit_id: int
    unit_code: str
    url: str
    expires_on: date


def _token(nonce: str) -> str:
    """The link token of ``nonce``: 128 bits of an HMAC under the secret key, URL-safe."""
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, b"survey-link:" + nonce.encode(), hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_base(session: Session) -> str:
    """What a link is before its token: the survey form under the ``public_url`` setting, else
    under the address of the current request."""
    base = get_setting(session, "public_url") or (request.url_root if has_request_context() else "")
    return f"{base.rstrip('/')}/s/"


def _link(base: str, row: SurveyToken) -> SurveyLink | None:
    """The row's link, or None if the secret key changed since it was issued."""
    token = _token(row.nonce)
    if not hmac.compare_digest(_hash(token), row.token_hash):
        return None
    return SurveyLink(row.unit_id, row.unit.code, base + token, row.expires_on)


def issue_tokens(
    session: Session, survey_id, expires_on, actor: str = "system"
) -> list[SurveyLink]:
    """A new one-time link, valid through ``expires_on``, for every unit of the survey's
    community with a paying owner today that has not answered yet. Earlier links stay valid
    until they expire or the unit answers.

    :raises DomainError: the survey is closed, or ``expires_on`` is past or after its closing.
    """
    survey = get_survey(session, survey_id)
    problems = Problems()
    problems.check(survey.status != SurveyStatus.CLOSED, "survey", _l("This survey is closed."))
    expires_on = problems.day("expires_on", expires_on, _l("This field is required."))
    today = business_date()
    if expires_on is not None:
        problems.check(expires_on >= today, "expires_on", _l("This day has passed already."))
        problems.check(
            expires_on <= survey.closes_on,
            "expires_on",
            _l("A link cannot outlast its survey (closing on %(day)s).", day=survey.closes_on),
        )
    problems.raise_if_any()
    answered = answered_units(session, survey.id)
    base, now, links = link_base(session), datetime.now(UTC), []
    for unit_id, code in owned_units(session, survey.community_id, today).items():
        if unit_id in answered:
            continue
        nonce = secrets.token_hex(16)
        token = _token(nonce)
        session.add(
            SurveyToken(
                community_id=survey.community_id,
                survey_id=survey.id,
                unit_id=unit_id,
                nonce=nonce,
                token_hash=_hash(token),
                expires_on=expires_on,
                issued_at=now,
                issued_by=actor,
            )
        )
        links.append(SurveyLink(unit_id, code, base + token, expires_on))
    session.flush()
    return links


def _live_tokens(survey_id: int, today: date):
    """SQL: the survey's tokens still usable on ``today`` by units that have not answered."""
    answered = exists().where(
        SurveyResponse.survey_id == SurveyToken.survey_id,
        SurveyResponse.unit_id == SurveyToken.unit_id,
    )
    return (
        # unscoped: the tokens of a survey found through the door, or of a notice's unit
        select(SurveyToken)
        .options(joinedload(SurveyToken.unit))
        .where(
            SurveyToken.survey_id == survey_id,
            SurveyToken.used_at.is_(None),
            SurveyToken.expires_on >= today,
            ~answered,
        )
        .order_by(SurveyToken.unit_id, SurveyToken.expires_on.desc(), SurveyToken.id.desc())
    )


def survey_links(session: Session, survey_id) -> list[SurveyLink]:
    """Each unit's live link (the one lasting longest) of a survey, for staff to pass on."""
    survey = get_survey(session, survey_id)
    base, links = link_base(session), {}
    for row in session.scalars(_live_tokens(survey.id, business_date())):
        if row.unit_id not in links and (link := _link(base, row)) is not None:
            links[row.unit_id] = link
    return list(links.values())


def survey_invitation(session: Session, unit_id: int, as_of: date) -> dict | None:
    """What a payment notice of ``as_of`` prints about the survey of the unit's community: the
    survey's title, the unit's link and the day it expires; None without an open survey or a
    live link."""
    unit = session.get(Unit, unit_id)  # unscoped: the unit of a notice being printed
    assert unit is not None  # the notice's unit
    survey = session.scalar(
        # unscoped: the open survey of the community of a notice being printed
        select(Survey).where(
            Survey.community_id == unit.building.community_id,
            Survey.status == SurveyStatus.OPEN,
            Survey.opens_on <= as_of,
            Survey.closes_on >= as_of,
        )
    )
    if survey is None:
        return None
    rows = session.scalars(_live_tokens(survey.id, as_of).where(SurveyToken.unit_id == unit_id))
    base = link_base(session)
    link = next((link for row in rows if (link := _link(base, row)) is not None), None)
    if link is None:
        return None
    return {"title": survey.title, "url": link.url, "expires_on": link.expires_on}


def check_link(session: Session, token: str, today: date | None = None) -> SurveyToken:
    """The token row of a usable link.

    :raises LinkRefusedError: unknown (404); expired, used, or survey not open (410); the unit
        has answered already (409).
    """
    today = today or business_date()
    # unscoped: an owner's link: the token names the row (the /s/<token> door)
    row = session.scalar(select(SurveyToken).where(SurveyToken.token_hash == _hash(token or "")))
    if row is None:
        raise LinkRefusedError(404, "link", _l("This survey link is not known."))
    survey = row.survey
    if row.used_at is not None:
        raise LinkRefusedError(410, "link", _l("This survey link has been used already."))
    if row.expires_on < today:
        raise LinkRefusedError(410, "link", _l("This survey link has expired."))
    if survey.status != SurveyStatus.OPEN or not survey.opens_on <= today <= survey.closes_on:
        raise LinkRefusedError(410, "link", _l("This survey is not open."))
    if has_answered(session, survey.id, row.unit_id):
        raise LinkRefusedError(
            409, "link", _l("Your unit has answered this survey already. Thank you!")
        )
    return row
