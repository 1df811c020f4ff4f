"""A refusal shown to the user, and the page that runs one operation on one row.

A service's refusal (``DomainError``) is shown beside each field it names when the form has it,
else in a flash message naming the field by its label; nothing is written."""

from flask import flash, redirect, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.forms import DynamicForm
from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import InputRequired, Length

from app.extensions import unit_of_work
from app.labels import LABELS
from app.security.scoping import current_user
from app.services.errors import DomainError


def refusal_text(err: DomainError) -> str:
    """A service's refusal for a flash message: each bad field by its label."""
    return "; ".join(
        f"{LABELS.get(field, LABELS.get(field.removesuffix('_id'), field))}: {' '.join(msgs)}"
        for field, msgs in err.as_dict().items()
    )


def refuse_on_form(form, err: DomainError, aliases: dict[str, str] | None = None) -> None:
    """Each refused field's messages beside the field (``unit_id`` beside ``unit``;
    ``aliases``: the form's name of a service field); the messages of fields the form does not
    show as a flash."""
    elsewhere = {}
    for field, messages in err.as_dict().items():
        name = (aliases or {}).get(field, field)
        name = name if name in form else name.removesuffix("_id")
        if name in form:
            form[name].errors = [*form[name].errors, *messages]
        else:
            elsewhere[field] = messages
    if elsewhere:
        flash(refusal_text(DomainError(elsewhere)), "danger")


class ReasonForm(DynamicForm):
    reason = StringField(_l("Reason"), validators=[InputRequired(), Length(max=200)])


class RowActionView(BaseView):
    """A page that asks for input (a reason by default), then runs one service operation on one
    row in one unit of work; a refusal is shown with every bad field named."""

    default_view = "confirm"
    form_class = ReasonForm
    title = submit = intro = None
    back_endpoint = ""  # the row's show page, e.g. "PaymentView.show"

    def make_form(self, pk: int):
        """The page's form (override to fill in choices that depend on the row)."""
        return self.form_class()

    def operation(self, session, pk: int, form, actor: str) -> tuple[str, str]:
        """Do it; return the success message and the URL to go to."""
        raise NotImplementedError

    def aside(self, pk: int):
        """What the page shows beside its form about the row (HTML), or None."""
        return None

    @expose("/<int:pk>", methods=["GET", "POST"])
    @has_access
    def confirm(self, pk: int):
        form = self.make_form(pk)
        if form.validate_on_submit():
            try:
                with unit_of_work() as session:
                    message, url = self.operation(session, pk, form, current_user().username)
            except DomainError as err:
                refuse_on_form(form, err)
            else:
                flash(message, "success")
                return redirect(url)
        return self.render_template(
            "form.html",
            title=self.title,
            form=form,
            intro=self.intro,
            aside=self.aside(pk),
            submit=self.submit,
            action=url_for(f"{type(self).__name__}.confirm", pk=pk),
            back=url_for(self.back_endpoint, pk=pk),
        )
