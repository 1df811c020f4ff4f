"""Satisfaction surveys (docs/domain.md §10).

``survey``: list and get; ``POST /`` creates a draft with the default questions, ``POST
/<id>/open`` opens it (and issues every unit's link), ``POST /<id>/close`` closes it, ``POST
/<id>/tokens`` issues new links until ``expires_on`` and returns them, ``GET /<id>/results`` gives
the figures per dimension against the previous survey. ``survey_response``: list and get, each
with its ``answers`` (``{dimension: score}``); ``POST /`` records one unit's answers (staff
entry). Nothing else writes either resource.
"""

from flask_appbuilder.models.sqla.interface import SQLAInterface
from marshmallow import fields
from sqlalchemy import select

from app.domain.surveys import needs_follow_up
from app.extensions import db
from app.models import Survey, SurveyAnswer, SurveyQuestion, SurveyResponse
from app.security.scoping import current_user
from app.services.errors import DomainError
from app.services.survey_responses import record_response
from app.services.survey_results import SurveyResults, survey_results
from app.services.surveys import close_survey, create_survey, issue_tokens, open_survey

from .actions import action
from .base import WuyeModelApi
from .bodies import Body


class TokensBody(Body):
    expires_on = fields.Date()


def _text(value) -> str | None:
    return None if value is None else str(value)


def survey_fields(survey: Survey) -> dict:
    return {
        "id": survey.id,
        "title": survey.title,
        "period": survey.period,
        "opens_on": survey.opens_on.isoformat(),
        "closes_on": survey.closes_on.isoformat(),
        "status": survey.status,
        "questions": [{"dimension": q.dimension, "text": q.text} for q in survey.questions],
    }


def results_fields(results: SurveyResults) -> dict:
    """The figures as JSON: rates and means as decimal strings, None where undefined."""
    return {
        "survey_id": results.survey_id,
        "community_id": results.community_id,
        "title": results.title,
        "period": results.period,
        "closes_on": results.closes_on.isoformat(),
        "status": results.status,
        "units": results.units,
        "responses": results.responses,
        "response_rate": _text(results.response_rate),
        "response_rate_change": _text(results.response_rate_change),
        "previous_survey_id": results.previous_id,
        "open_follow_ups": results.open_follow_ups,
        "dimensions": [
            {
                "dimension": d.dimension,
                "answers": d.answers,
                "mean": _text(d.mean),
                "satisfaction_rate": _text(d.satisfaction_rate),
                "mean_change": _text(d.mean_change),
                "satisfaction_rate_change": _text(d.satisfaction_change),
            }
            for d in results.dimensions
        ],
    }


class SurveyApi(WuyeModelApi):
    resource_name = "survey"
    class_permission_name = "Survey"
    method_permission_name = {
        **WuyeModelApi.method_permission_name,
        "open": "open_close",
        "close": "open_close",
        "tokens": "write",
        "results": "read",
    }
    datamodel = SQLAInterface(Survey)
    include_route_methods = {
        "get",
        "get_list",
        "info",
        "export",
        "post",
        "open",
        "close",
        "tokens",
        "results",
    }
    list_columns = [
        "id",
        "community.code",
        "title",
        "period",
        "opens_on",
        "closes_on",
        "status",
        "created_by",
        "created_at",
        "opened_at",
        "closed_at",
    ]
    show_columns = list_columns
    search_columns = ["community", "title", "status", "closes_on"]
    base_order = ("closes_on", "desc")

    def post_headless(self):
        def create(session, body):
            survey = create_survey(
                session,
                body.get("community"),
                body.get("title"),
                body.get("period"),
                body.get("opens_on"),
                body.get("closes_on"),
                actor=current_user().username,
            )
            return survey_fields(survey)

        return self.run_action(create, 201)

    @action("/<int:pk>/open", answers="the open survey")
    def open(self, pk: int):
        """Open a draft survey and issue every unit's link, valid until the closing day."""
        actor = current_user().username
        return self.run_action(lambda session, body: survey_fields(open_survey(session, pk, actor)))

    @action("/<int:pk>/close", answers="the closed survey")
    def close(self, pk: int):
        """Close an open survey: no more responses."""
        return self.run_action(lambda session, body: survey_fields(close_survey(session, pk)))

    @action(
        "/<int:pk>/tokens",
        body=TokensBody,
        answers="the links: unit_id, unit_code, url, expires_on",
        status=201,
    )
    def tokens(self, pk: int):
        """New one-time links for the units that have not answered, valid through
        ``expires_on``."""

        def issue(session, body):
            links = issue_tokens(session, pk, body.get("expires_on"), current_user().username)
            return {
                "links": [
                    {
                        "unit_id": link.unit_id,
                        "unit_code": link.unit_code,
                        "url": link.url,
                        "expires_on": link.expires_on.isoformat(),
                    }
                    for link in links
                ]
            }

        return self.run_action(issue, 201)

    @action("/<int:pk>/results", method="GET", answers="the figures")
    def results(self, pk: int):
        """Per dimension: answers, mean score, satisfaction rate (scores ≥ 4) and their change
        against the previous survey; the response rate."""
        try:
            results = survey_results(db.session, pk)
        except DomainError as err:
            return self.response(err.status, message=err.as_dict())
        return self.response(200, **results_fields(results))


class SurveyResponseApi(WuyeModelApi):
    resource_name = "survey_response"
    class_permission_name = "SurveyResponse"
    datamodel = SQLAInterface(SurveyResponse)
    include_route_methods = {"get", "get_list", "info", "export", "post"}
    list_columns = [
        "id",
        "survey.id",
        "survey.title",
        "unit.id",
        "unit.code",
        "source",
        "comment",
        "submitted_at",
        "recorded_by",
    ]
    show_columns = list_columns
    search_columns = ["survey", "unit", "source", "submitted_at"]
    base_order = ("id", "desc")

    @staticmethod
    def _answers(response_ids) -> dict[int, dict[str, int]]:
        rows = db.session.execute(
            select(SurveyAnswer.response_id, SurveyQuestion.dimension, SurveyAnswer.score)
            .join(SurveyQuestion)
            .where(SurveyAnswer.response_id.in_(response_ids))
            .order_by(SurveyQuestion.position)
        )
        answers: dict[int, dict[str, int]] = {pk: {} for pk in response_ids}
        for response_id, dimension, score in rows:
            answers[response_id][dimension] = score
        return answers

    def pre_get(self, data):
        data["result"]["answers"] = self._answers([data["id"]])[data["id"]]
        super().pre_get(data)

    def pre_get_list(self, data):
        answers = self._answers(data["ids"])
        for row, pk in zip(data["result"], data["ids"], strict=True):
            row["answers"] = answers[pk]
        super().pre_get_list(data)

    def post_headless(self):
        def record(session, body):
            response = record_response(
                session,
                body.get("survey"),
                body.get("unit"),
                body.get("answers"),
                body.get("comment") or "",
                actor=current_user().username,
            )
            return {
                "id": response.id,
                "survey_id": response.survey_id,
                "unit_id": response.unit_id,
                "answers": {a.question.dimension: a.score for a in response.answers},
                "follow_ups": sum(needs_follow_up(a.score) for a in response.answers),
            }

        return self.run_action(record, 201)


APIS = (SurveyApi, SurveyResponseApi)
