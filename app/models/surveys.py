"""Satisfaction surveys (满意度调查, docs/domain.md §10).

A ``Survey`` of a community (``draft`` → ``open`` → ``closed``) asks one ``SurveyQuestion`` per
dimension (the seven defaults). A ``SurveyResponse`` is one unit's answers — at most one per unit
per survey (a unique key) — entered by staff or submitted online through a ``SurveyToken``; each
``SurveyAnswer`` is a score from 1 to 5. A token is stored as a SHA-256 hash only (the link
itself is derived from the secret key and the token's nonce, see ``app.services.surveys``), has
an expiry day and is spent by the one response it carries. Every score of 2 or less opens a
``SurveyFollowUp`` for customer service.
"""

from datetime import date, datetime

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.surveys import HIGHEST, LOWEST, Dimension

from .property import Community, Unit
from .scoping import InCommunity
from .types import LabelledEnum, UTCDateTime, one_of


class SurveyStatus(LabelledEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"

    @classmethod
    def LABELS(cls):  # noqa: N802
        return {
            cls.DRAFT: _l("Draft"),
            cls.OPEN: _l("Open for answers"),  # not "Open": a bill's status
            cls.CLOSED: _l("Closed"),
        }


class SurveyDimension(LabelledEnum):
    OVERALL = Dimension.OVERALL.value
    SECURITY = Dimension.SECURITY.value
    CLEANING = Dimension.CLEANING.value
    GREENING = Dimension.GREENING.value
    FACILITIES = Dimension.FACILITIES.value
    CUSTOMER_SERVICE = Dimension.CUSTOMER_SERVICE.value
    FEE_TRANSPARENCY = Dimension.FEE_TRANSPARENCY.value

    @classmethod
    def LABELS(cls):  # noqa: N802
        return {
            cls.OVERALL: _l("Overall"),
            cls.SECURITY: _l("Security services"),  # not "Security": FAB's menu
            cls.CLEANING: _l("Cleaning"),
            cls.GREENING: _l("Greening"),
            cls.FACILITIES: _l("Facilities maintenance"),
            cls.CUSTOMER_SERVICE: _l("Customer service"),
            cls.FEE_TRANSPARENCY: _l("Fee transparency"),
        }

    @classmethod
    def QUESTIONS(cls):  # noqa: N802
        """The default wording of each dimension's question."""
        return {
            cls.OVERALL: _l("Overall, how satisfied are you with our property services?"),
            cls.SECURITY: _l("How satisfied are you with security (patrols, gate, parking)?"),
            cls.CLEANING: _l("How satisfied are you with the cleaning of the common areas?"),
            cls.GREENING: _l("How satisfied are you with the upkeep of green spaces?"),
            cls.FACILITIES: _l(
                "How satisfied are you with the maintenance of lifts, lights, pipes and other "
                "facilities?"
            ),
            cls.CUSTOMER_SERVICE: _l(
                "How satisfied are you with our front desk and how we handle your requests?"
            ),
            cls.FEE_TRANSPARENCY: _l("How clearly do we show what the fees are and pay for?"),
        }


class ResponseSource(LabelledEnum):
    STAFF = "staff"  # a paper form or a call, typed in by staff
    ONLINE = "online"  # the owner's own submission through a link

    @classmethod
    def LABELS(cls):  # noqa: N802
        return {cls.STAFF: _l("Entered by staff"), cls.ONLINE: _l("Submitted online")}


class FollowUpStatus(LabelledEnum):
    OPEN = "open"
    DONE = "done"

    @classmethod
    def LABELS(cls):  # noqa: N802
        return {cls.OPEN: _l("To follow up"), cls.DONE: _l("Done")}


class Survey(InCommunity, Model):
    __tablename__ = "survey"
    __table_args__ = (
        CheckConstraint("closes_on >= opens_on", name="ck_survey_dates"),
        CheckConstraint(one_of("status", SurveyStatus), name="ck_survey_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    title: Mapped[str] = mapped_column(String(100))
    period: Mapped[str] = mapped_column(String(32))  # what it covers, e.g. "2026 上半年"
    opens_on: Mapped[date]
    closes_on: Mapped[date] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(16), default=SurveyStatus.DRAFT, index=True)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    community: Mapped[Community] = relationship()
    questions: Mapped[list["SurveyQuestion"]] = relationship(
        back_populates="survey", order_by="SurveyQuestion.position"
    )

    def __str__(self):
        return f"{self.title} ({self.period})"


class SurveyQuestion(Model):
    __tablename__ = "survey_question"
    __table_args__ = (
        UniqueConstraint("survey_id", "dimension", name="uq_survey_question_dimension"),
        CheckConstraint(one_of("dimension", SurveyDimension), name="ck_survey_question_dim"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id"), index=True)
    dimension: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(String(300))
    position: Mapped[int]

    survey: Mapped[Survey] = relationship(back_populates="questions")

    @classmethod
    def in_communities(cls, ids):
        return cls.survey.has(Survey.community_id.in_(ids))

    @property
    def scope_community_id(self):
        return self.survey.community_id

    def __str__(self):
        return self.text


class SurveyResponse(InCommunity, Model):
    __tablename__ = "survey_response"
    __table_args__ = (
        UniqueConstraint("survey_id", "unit_id", name="uq_survey_response_unit"),
        CheckConstraint(one_of("source", ResponseSource), name="ck_survey_response_source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    source: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str] = mapped_column(String(100))

    community: Mapped[Community] = relationship()
    survey: Mapped[Survey] = relationship()
    unit: Mapped[Unit] = relationship()
    answers: Mapped[list["SurveyAnswer"]] = relationship(
        back_populates="response", order_by="SurveyAnswer.id"
    )

    def scores(self) -> str:
        """The answers as "Overall 5 · Security 4 …", in the reader's language."""
        return " · ".join(
            f"{SurveyDimension(a.question.dimension).label} {a.score}" for a in self.answers
        )

    def __str__(self):
        return f"{self.unit} — {self.survey}"


class SurveyAnswer(Model):
    __tablename__ = "survey_answer"
    __table_args__ = (
        UniqueConstraint("response_id", "question_id", name="uq_survey_answer_question"),
        CheckConstraint(f"score BETWEEN {LOWEST} AND {HIGHEST}", name="ck_survey_answer_score"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("survey_response.id"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("survey_question.id"), index=True)
    score: Mapped[int]

    response: Mapped[SurveyResponse] = relationship(back_populates="answers")
    question: Mapped[SurveyQuestion] = relationship()


class SurveyToken(InCommunity, Model):
    """A one-time link to a survey for one unit; only the hash of the token is kept."""

    __tablename__ = "survey_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    nonce: Mapped[str] = mapped_column(String(32), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_on: Mapped[date]
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    issued_by: Mapped[str] = mapped_column(String(100))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    community: Mapped[Community] = relationship()
    survey: Mapped[Survey] = relationship()
    unit: Mapped[Unit] = relationship()


class SurveyFollowUp(InCommunity, Model):
    """A low score (≤ 2) on one dimension, for customer service to follow up."""

    __tablename__ = "survey_follow_up"
    __table_args__ = (
        UniqueConstraint("response_id", "dimension", name="uq_survey_follow_up_dimension"),
        CheckConstraint(one_of("status", FollowUpStatus), name="ck_survey_follow_up_status"),
        CheckConstraint(
            "status <> 'done' OR (done_at IS NOT NULL AND note <> '')",
            name="ck_survey_follow_up_done",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("survey_response.id"), index=True)
    dimension: Mapped[str] = mapped_column(String(32))
    score: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default=FollowUpStatus.OPEN, index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_by: Mapped[str | None] = mapped_column(String(100))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    community: Mapped[Community] = relationship()
    response: Mapped[SurveyResponse] = relationship()

    @property
    def unit(self) -> Unit:
        return self.response.unit

    @property
    def survey(self) -> Survey:
        return self.response.survey

    def __str__(self):
        return f"{self.response.unit} {self.dimension} {self.score}"
