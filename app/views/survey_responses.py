"""Survey responses (docs/domain.md §10): staff type in paper answers, owners answer on the
public survey form, and customer service works through the follow-ups of low scores.

Owners answer at ``/s/<token>``: a plain blueprint outside the login, CSRF-protected and
rate-limited, where the link itself is the only key.
"""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_appbuilder import BaseView, action, expose, has_access
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from app.audit import acting_as
from app.extensions import db, unit_of_work
from app.labels import LABELS
from app.models import SurveyFollowUp
from app.models.surveys import FollowUpStatus, SurveyDimension
from app.security.scoping import current_user
from app.services.errors import DomainError
from app.services.survey_responses import complete_follow_up, record_response, submit_online
from app.services.surveys import LinkRefusedError, check_link, find_unit

from .base import WuyeModelView
from .columns import enum_label, local_time
from .row_actions import RowActionView, refuse_on_form
from .surveys import survey_or_404

SCALE = (
    (5, _l("Very satisfied")),
    (4, _l("Satisfied")),
    (3, _l("Neutral")),
    (2, _l("Dissatisfied")),
    (1, _l("Very dissatisfied")),
)


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


# --- Staff entry -------------------------------------------------------------------------


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
                refuse_on_form(form, err, {"unit": "unit_code"})
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
            refuse_on_form(form, err)
            status = 400
        else:
            return _page(thanks=True)
    return _page(status, survey=link.survey, unit=link.unit.code, form=form)


def register_public_form(appbuilder) -> None:
    """Serve the owners' form outside the login, with its own rate limit."""
    current_app.register_blueprint(public_form)
    appbuilder.sm.limiter.limit(PUBLIC_RATE_LIMIT)(public_form)
