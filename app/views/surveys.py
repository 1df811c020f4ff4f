"""Satisfaction survey screens (docs/domain.md §10) and the owners' public survey form.

Staff create a survey (the seven default questions come with it), open and close it, pass on
each unit's link, type in paper answers, read the results with their charts, and work through
the follow-ups of low scores. Owners answer at ``/s/<token>``: a plain blueprint outside the
login, CSRF-protected and rate-limited, where the link itself is the only key.
"""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_appbuilder import BaseView, action, expose, has_access
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from app.audit import acting_as
from app.domain.surveys import HIGHEST
from app.extensions import db, unit_of_work
from app.labels import LABELS
from app.models import Survey, SurveyFollowUp, SurveyQuestion, SurveyResponse
from app.models.surveys import FollowUpStatus, ResponseSource, SurveyDimension, SurveyStatus
from app.security import current_user
from app.services.errors import DomainError
from app.services.surveys import (
    LinkRefusedError,
    check_link,
    close_survey,
    complete_follow_up,
    create_survey,
    find_unit,
    get_survey,
    issue_tokens,
    open_survey,
    record_response,
    satisfaction_history,
    submit_online,
    survey_links,
)
from reports.charts import bar_chart, line_chart

from .base import RowActionView, WuyeModelView, enum_label, local_time, refusal_text
from .forms import my_communities

SCALE = (
    (5, _l("Very satisfied")),
    (4, _l("Satisfied")),
    (3, _l("Neutral")),
    (2, _l("Dissatisfied")),
    (1, _l("Very dissatisfied")),
)
PERIOD_LABEL = _l("Survey period")


def refuse(form, err: DomainError, aliases: dict[str, str] | None = None) -> None:
    """Show a refusal beside the form's fields (``aliases``: the form's name of a service
    field); what no field holds, as a flash message."""
    rest = {}
    for name, messages in err.as_dict().items():
        field = (aliases or {}).get(name, name)
        if field in form:
            form[field].errors = [*form[field].errors, *messages]
        else:
            rest[name] = messages
    if rest:
        flash(refusal_text(DomainError(rest)), "danger")


def with_questions(base, questions):
    """``base`` with one optional 1–5 choice per question, named by its dimension."""
    fields = {
        q.dimension: RadioField(
            q.text,
            choices=[SelectChoice(str(score), f"{score} {label}") for score, label in SCALE],
            validators=[Optional()],
        )
        for q in questions
    }
    return type(f"{base.__name__}WithQuestions", (base,), fields)


def answers_of(form, questions) -> dict[str, str | None]:
    return {q.dimension: form[q.dimension].data for q in questions}


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
                refuse(form, err)
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


class SurveyResultsView(BaseView):
    """A survey's figures per dimension, against the previous survey, with charts."""

    route_base = "/surveys/results"
    class_permission_name = "Survey"
    method_permission_name = {"results": "read"}
    default_view = "results"

    @expose("/<int:pk>")
    @has_access
    def results(self, pk: int):
        try:
            history = satisfaction_history(db.session, pk)
        except DomainError:
            abort(404)
        results = history[-1]
        labels = [str(d.label) for d in results.dimensions]
        charts = [
            bar_chart(
                labels,
                [d.mean for d in results.dimensions],
                title=_l("Mean score (1–5)"),
                unit="",
                top=HIGHEST,
                horizontal=True,
            ),
            bar_chart(
                labels,
                [d.satisfaction_rate for d in results.dimensions],
                title=_l("Satisfaction rate (scores of 4 or 5)"),
                horizontal=True,
            ),
        ]
        if len(history) > 1:
            charts.append(
                line_chart(
                    [h.period for h in history],
                    {
                        str(_l("Overall satisfaction rate")): [
                            h.overall.satisfaction_rate for h in history
                        ],
                        str(_l("Response rate")): [h.response_rate for h in history],
                    },
                    title=_l("Survey by survey"),
                )
            )
        return self.render_template(
            "surveys/results.html",
            title=_l("Survey results"),
            results=results,
            status=SurveyStatus(results.status).label,
            charts=charts,
        )


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
                refuse(form, err)
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


class ResponseForm(DynamicForm):
    unit_code = StringField(
        LABELS["unit"],
        validators=[InputRequired(), Length(max=32)],
        description=_l("The unit code, e.g. 3-2-101."),
    )
    comment = TextAreaField(_l("Remarks"), validators=[Optional(), Length(max=2000)])


class ResponseFormView(BaseView):
    """Staff type in one unit's answers (a paper form, a call)."""

    route_base = "/surveys/respond"
    class_permission_name = "SurveyResponse"
    method_permission_name = {"respond": "write"}
    default_view = "respond"

    @expose("/<int:pk>", methods=["GET", "POST"])
    @has_access
    def respond(self, pk: int):
        survey = survey_or_404(pk)
        form = with_questions(ResponseForm, survey.questions)()
        if form.validate_on_submit():
            unit_id = find_unit(db.session, survey.community_id, form.unit_code.data)
            try:
                with unit_of_work() as session:
                    record_response(
                        session,
                        pk,
                        unit_id,
                        answers_of(form, survey.questions),
                        form.comment.data or "",
                        actor=current_user().username,
                    )
            except DomainError as err:
                refuse(form, err, {"unit": "unit_code"})
            else:
                flash(gettext("Response recorded."), "success")
                return redirect(url_for("ResponseFormView.respond", pk=pk))
        return self.render_template(
            "form.html",
            title=_l("Enter a survey response"),
            form=form,
            intro=f"{survey} — {survey.community}",
            submit=_l("Record"),
            action=url_for("ResponseFormView.respond", pk=pk),
            back=url_for("SurveyView.show", pk=pk),
        )


# --- Follow-ups ----------------------------------------------------------------------------


class SurveyFollowUpView(WuyeModelView):
    datamodel = SQLAInterface(SurveyFollowUp)
    class_permission_name = "SurveyFollowUp"
    method_permission_name = {**WuyeModelView.method_permission_name, "done": "write"}
    include_route_methods = {"list", "show", "action", "action_post"}
    list_title = show_title = _l("Survey follow-ups")
    list_columns = ["survey", "unit", "dimension", "score", "status", "created_at", "done_by"]
    show_columns = [*list_columns, "comment", "note", "done_at"]
    search_columns = ["status", "dimension", "created_at"]
    formatters_columns = {
        "status": enum_label(FollowUpStatus),
        "dimension": enum_label(SurveyDimension),
        "created_at": local_time,
        "done_at": local_time,
    }
    base_order = ("id", "desc")

    @action("done", _l("Done"), "", "fa-check", multiple=False)
    def done(self, item):
        return redirect(url_for("FollowUpDoneView.confirm", pk=item.id))


class FollowUpNoteForm(DynamicForm):
    note = TextAreaField(_l("What was done"), validators=[InputRequired(), Length(max=2000)])


class FollowUpDoneView(RowActionView):
    """Close a follow-up with a note of what was done (pk: the follow-up)."""

    class_permission_name = "SurveyFollowUp"
    method_permission_name = {"confirm": "write"}
    form_class = FollowUpNoteForm
    title = _l("Follow-up done")
    intro = _l("Call or visit the owner about the low score, then note what was done.")
    submit = _l("Done")
    back_endpoint = "SurveyFollowUpView.show"

    def operation(self, session, pk, form, actor):
        complete_follow_up(session, pk, form.note.data, actor)
        return gettext("Follow-up done."), url_for("SurveyFollowUpView.list")


# --- The owners' form ----------------------------------------------------------------------

public_form = Blueprint("survey_form", __name__, url_prefix="/s")
PUBLIC_RATE_LIMIT = "30 per minute"  # per address: a person answers once


class OnlineForm(FlaskForm):
    unit = HiddenField()
    comment = TextAreaField(
        _l("Anything else you would like to tell us?"), validators=[Optional(), Length(max=2000)]
    )


def _page(status: int = 200, **context):
    lang = "zh-CN" if str(get_locale()) == "zh" else str(get_locale())
    return render_template("surveys/public.html", lang=lang, **context), status


def _refused(err: LinkRefusedError):
    return _page(err.status, refused=" ".join(m for ms in err.as_dict().values() for m in ms))


@public_form.route("/<token>", methods=["GET", "POST"])
def answer(token: str):
    """The survey of the link's unit; one answer, then the link is spent."""
    session = db.session
    try:
        link = check_link(session, token)
    except LinkRefusedError as err:
        return _refused(err)
    questions = link.survey.questions
    form = with_questions(OnlineForm, questions)()
    if request.method == "GET":
        form.unit.data = str(link.unit_id)
    status = 200
    if form.validate_on_submit():
        try:
            with acting_as("online"), unit_of_work() as work:
                submit_online(
                    work, token, form.unit.data, answers_of(form, questions), form.comment.data
                )
        except LinkRefusedError as err:
            return _refused(err)
        except DomainError as err:
            refuse(form, err)
            status = 400
        else:
            return _page(thanks=True)
    return _page(status, survey=link.survey, unit=link.unit.code, form=form)


def register_public_form(appbuilder) -> None:
    """Serve the owners' form outside the login, with its own rate limit."""
    current_app.register_blueprint(public_form)
    appbuilder.sm.limiter.limit(PUBLIC_RATE_LIMIT)(public_form)
