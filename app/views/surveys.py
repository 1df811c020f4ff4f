"""Satisfaction survey screens (docs/domain.md §10): the surveys and their links.

Staff create a survey (the seven default questions come with it), open and close it, and pass on
each unit's link. Typing in paper answers, the owners' public form and the follow-ups of low
scores are in ``app.views.survey_responses``; the results with their charts in
``app.views.survey_results``.
"""

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, action, expose, has_access
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField
from wtforms.validators import InputRequired, Length

from app.extensions import db, unit_of_work
from app.labels import LABELS
from app.models import Survey, SurveyQuestion, SurveyResponse
from app.models.surveys import ResponseSource, SurveyDimension, SurveyStatus
from app.security.scoping import current_user
from app.services.errors import DomainError
from app.services.surveys import (
    close_survey,
    create_survey,
    get_survey,
    issue_tokens,
    open_survey,
    survey_links,
)

from .base import WuyeModelView
from .columns import enum_label, local_time
from .forms import my_communities
from .row_actions import refusal_text, refuse_on_form

PERIOD_LABEL = _l("Survey period")


def survey_or_404(pk: int) -> Survey:
    """The survey, or a 404 for one the user may not see."""
    try:
        return get_survey(db.session, pk)
    except DomainError:
        abort(404)


# --- Surveys -------------------------------------------------------------------------------


class NewSurveyForm(DynamicForm):
    community = SelectField(LABELS["community"], choices=[], validators=[InputRequired()])
    title = StringField(_l("Title"), validators=[InputRequired(), Length(max=100)])
    period = StringField(
        PERIOD_LABEL,
        validators=[InputRequired(), Length(max=32)],
        description=_l("What the survey covers, e.g. 2026 上半年."),
    )
    opens_on = DateField(_l("Opens on"), validators=[InputRequired()])
    closes_on = DateField(_l("Closes on"), validators=[InputRequired()])


class SurveyFormView(BaseView):
    """Create a draft survey with the default questions."""

    route_base = "/surveys/new"
    class_permission_name = "Survey"
    method_permission_name = {"start": "write"}
    default_view = "start"

    @expose("/", methods=["GET", "POST"])
    @has_access
    def start(self):
        form = NewSurveyForm()
        form.community.choices = my_communities()
        if form.validate_on_submit():
            try:
                with unit_of_work() as session:
                    survey_id = create_survey(
                        session,
                        form.community.data,
                        form.title.data,
                        form.period.data,
                        form.opens_on.data,
                        form.closes_on.data,
                        actor=current_user().username,
                    ).id
            except DomainError as err:
                refuse_on_form(form, err)
            else:
                flash(gettext("Survey created as a draft: open it to take answers."), "success")
                return redirect(url_for("SurveyView.show", pk=survey_id))
        return self.render_template(
            "form.html",
            title=_l("New survey"),
            form=form,
            intro=_l(
                "A survey asks every unit with a paying owner seven questions (overall, "
                "security, cleaning, greening, facilities maintenance, customer service, fee "
                "transparency), each scored from 1 to 5, and leaves room for remarks."
            ),
            submit=_l("Create the survey"),
            action=url_for("SurveyFormView.start"),
        )


class SurveyQuestionView(WuyeModelView):
    datamodel = SQLAInterface(SurveyQuestion)
    class_permission_name = "Survey"
    include_route_methods = {"list", "show"}
    list_title = show_title = _l("Questions")
    list_columns = show_columns = ["position", "dimension", "text"]
    formatters_columns = {"dimension": enum_label(SurveyDimension)}
    base_order = ("position", "asc")


class SurveyResponseView(WuyeModelView):
    datamodel = SQLAInterface(SurveyResponse)
    class_permission_name = "SurveyResponse"
    include_route_methods = {"list", "show"}
    list_title = show_title = _l("Survey responses")
    list_columns = ["survey", "unit", "scores", "comment", "source", "submitted_at"]
    show_columns = [*list_columns, "recorded_by"]
    search_columns = ["survey", "source", "submitted_at"]
    formatters_columns = {"source": enum_label(ResponseSource), "submitted_at": local_time}
    base_order = ("id", "desc")


class SurveyView(WuyeModelView):
    datamodel = SQLAInterface(Survey)
    class_permission_name = "Survey"
    method_permission_name = {
        **WuyeModelView.method_permission_name,
        "results": "read",
        "respond": "write",
        "links": "write",
        "open": "open_close",
        "close": "open_close",
    }
    include_route_methods = {"list", "show", "action", "action_post"}
    list_title = show_title = _l("Surveys")
    list_columns = ["title", "period", "community", "opens_on", "closes_on", "status"]
    show_columns = [*list_columns, "created_by", "created_at", "opened_at", "closed_at"]
    search_columns = ["community", "title", "status", "closes_on"]
    formatters_columns = {
        "status": enum_label(SurveyStatus),
        "created_at": local_time,
        "opened_at": local_time,
        "closed_at": local_time,
    }
    related_views = [SurveyQuestionView, SurveyResponseView]
    base_order = ("closes_on", "desc")

    @action("results", _l("Results"), "", "fa-chart-bar", multiple=False)
    def results(self, item):
        return redirect(url_for("SurveyResultsView.results", pk=item.id))

    @action("respond", _l("Enter a response"), "", "fa-edit", multiple=False)
    def respond(self, item):
        return redirect(url_for("ResponseFormView.respond", pk=item.id))

    @action("links", _l("Links for owners"), "", "fa-link", multiple=False)
    def links(self, item):
        return redirect(url_for("SurveyLinksView.links", pk=item.id))

    @action(
        "open",
        _l("Open the survey"),
        _l("Open the survey and issue every unit's link?"),
        "fa-play",
    )
    def open(self, items):
        actor = current_user().username
        return self._change(
            items,
            lambda session, pk: open_survey(session, pk, actor),
            lambda n: gettext("Surveys opened: %(count)d.", count=n),
        )

    @action("close", _l("Close"), _l("Close the survey? It takes no more answers."), "fa-lock")
    def close(self, items):
        return self._change(
            items, close_survey, lambda n: gettext("Surveys closed: %(count)d.", count=n)
        )

    def _change(self, items, operation, done):
        """``operation(session, id)`` on every item in one unit of work."""
        try:
            with unit_of_work() as session:
                for item in items:
                    operation(session, item.id)
        except DomainError as err:
            flash(refusal_text(err), "danger")
        else:
            flash(done(len(items)), "success")
        return redirect(url_for("SurveyView.list"))

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.label_columns["period"] = PERIOD_LABEL  # not the billing month of LABELS


class IssueLinksForm(DynamicForm):
    expires_on = DateField(
        _l("Valid until"),
        validators=[InputRequired()],
        description=_l("New links for the units that have not answered; earlier links stay."),
    )


class SurveyLinksView(BaseView):
    """Each unit's live link, to pass on by SMS or WeChat; new links until a chosen day."""

    route_base = "/surveys/links"
    class_permission_name = "Survey"
    method_permission_name = {"links": "write"}
    default_view = "links"

    @expose("/<int:pk>", methods=["GET", "POST"])
    @has_access
    def links(self, pk: int):
        survey = survey_or_404(pk)
        form = IssueLinksForm()
        if request.method == "GET":
            form.expires_on.data = survey.closes_on
        if form.validate_on_submit():
            try:
                with unit_of_work() as session:
                    issued = len(
                        issue_tokens(
                            session, pk, form.expires_on.data, actor=current_user().username
                        )
                    )
            except DomainError as err:
                refuse_on_form(form, err)
            else:
                flash(gettext("New links issued: %(count)d.", count=issued), "success")
                return redirect(url_for("SurveyLinksView.links", pk=pk))
        return self.render_template(
            "surveys/links.html",
            title=_l("Links for owners"),
            survey=survey,
            links=survey_links(db.session, pk),
            form=form,
        )
