"""Notice batches: start one per community and month, follow it, download its PDFs.

The start form calls ``start_notice_batches`` in one unit of work, like ``wuye notices``, then
queues the batch's jobs. Lists and pages refresh themselves while a batch renders. Downloads
answer 404 for a batch or notice outside the user's communities, like every row.
"""

from flask import abort, flash, redirect, send_file, url_for
from flask_appbuilder import BaseView, action, expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select

from app.domain.periods import parse_month
from app.extensions import db, unit_of_work
from app.files import stored_file
from app.models import Notice, NoticeBatch
from app.models.notices import NoticeBatchStatus
from app.models.outbox import OutboxStatus
from app.models.types import Channel
from app.security.scoping import current_user, in_scope, visible_community_ids
from app.services.errors import DomainError
from app.services.notices import start_notice_batches
from jobs.notices import queue_notice_batch, run_notice_batch

from .base import WuyeModelView
from .billing import BillingRunForm, month
from .columns import enum_label, local_time
from .row_actions import refusal_text

REFRESH_SECONDS = 5
RUNNING = (NoticeBatchStatus.RENDERING, NoticeBatchStatus.MERGING)
state_label = enum_label(NoticeBatchStatus)


def pdf_link(endpoint: str):
    """A list formatter: a download link for a row whose PDF exists (``pdf()`` gives its id)."""

    def fmt(pk):
        if pk is None:
            return ""
        return Markup('<a href="{}"><i class="fa fa-file-pdf"></i> PDF</a>').format(
            url_for(endpoint, pk=pk)
        )

    return fmt


def delivery(message) -> str:
    """How a notice goes out: its outbox message's channel and status."""
    if message is None:
        return ""
    return f"{Channel(message.channel).label} · {OutboxStatus(message.status).label}"


def send_pdf(relative: str | None, name: str):
    path = stored_file(relative)
    if path is None or not path.is_file():
        abort(404)
    return send_file(path, mimetype="application/pdf", download_name=name)


class NoticeBatchForm(BillingRunForm):
    dry_run = None  # a batch has no preview


class NoticeBatchFormView(BaseView):
    """Start the notice batch of a community (or of each community) for a month."""

    class_permission_name = "NoticeBatch"
    method_permission_name = {"start": "write"}
    default_view = "start"

    @expose("/start", methods=["GET", "POST"])
    @has_access
    def start(self):
        form = NoticeBatchForm()
        if form.validate_on_submit():
            try:
                with unit_of_work() as session:
                    started = start_notice_batches(
                        session,
                        parse_month(form.period.data),
                        int(form.community.data) if form.community.data else None,
                        current_user().username,
                    )
                    ids = [batch.id for batch, _new in started]
                    new = sum(created for _batch, created in started)
                    for batch, created in started:  # its jobs are committed with a new batch
                        if created:
                            queue_notice_batch(session, batch.id)
            except DomainError as err:
                flash(refusal_text(err), "danger")
            else:
                for batch_id in [batch.id for batch, created in started if not created]:
                    run_notice_batch(batch_id)  # started before: resume it
                flash(
                    gettext(
                        "Notice batches started: %(new)d; started before: %(old)d.",
                        new=new,
                        old=len(ids) - new,
                    ),
                    "success",
                )
                if len(ids) == 1:
                    return redirect(url_for("NoticeBatchView.show", pk=ids[0]))
                return redirect(url_for("NoticeBatchView.list"))
        return self.render_template(
            "form.html",
            title=_l("Print payment notices"),
            intro=_l(
                "One PDF per unit and one merged PDF to print, for every live bill of the "
                "month; owners who consented get theirs by e-mail, the others by letter."
            ),
            form=form,
            submit=_l("Start"),
            action=url_for("NoticeBatchFormView.start"),
            back=url_for("NoticeBatchView.list"),
        )


class NoticeView(WuyeModelView):
    """A batch's notices, each with its PDF."""

    datamodel = SQLAInterface(Notice)
    class_permission_name = "NoticeBatch"
    method_permission_name = {**WuyeModelView.method_permission_name, "download": "read"}
    base_permissions = ["can_read"]
    include_route_methods = {"download"}  # listed on its batch's page only
    list_title = _l("Payment notices")
    list_columns = ["unit", "owner", "bill", "pages", "total_due", "message", "pdf"]
    formatters_columns = {"message": delivery, "pdf": pdf_link("NoticeView.download")}
    base_order = ("position", "asc")
    page_size = 50

    @expose("/download/<int:pk>")
    @has_access
    def download(self, pk: int):
        notice = db.session.get(Notice, pk)
        if notice is None or not in_scope(notice):
            abort(404)
        return send_pdf(notice.file, f"{notice.bill.number}.pdf")


class NoticeBatchView(WuyeModelView):
    datamodel = SQLAInterface(NoticeBatch)
    class_permission_name = "NoticeBatch"
    method_permission_name = {
        **WuyeModelView.method_permission_name,
        "merged": "read",
        "resume": "write",
    }
    base_permissions = ["can_read", "can_write"]
    include_route_methods = {"list", "show", "action", "action_post", "merged"}
    list_template = "notices/batches.html"
    show_template = "notices/batch.html"
    list_title = show_title = _l("Notice batches")
    list_columns = [
        "period_start",
        "community",
        "state",
        "progress",
        "pages",
        "started_by",
        "started_at",
        "finished_at",
        "pdf",
    ]
    show_columns = [*list_columns[:2], "issued_on", *list_columns[2:]]
    search_columns = ["period_start", "community", "status"]
    formatters_columns = {
        "period_start": month,
        "state": state_label,
        "started_at": local_time,
        "finished_at": local_time,
        "pdf": pdf_link("NoticeBatchView.merged"),
    }
    related_views = [NoticeView]
    base_order = ("id", "desc")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.label_columns["period_start"] = self.label_columns["period"]

    def _running(self, pk) -> bool:
        """Whether a batch the page shows (``pk``, or any) is still being rendered."""
        query = select(NoticeBatch).where(NoticeBatch.status.in_(RUNNING))
        ids = visible_community_ids()
        if ids is not None:
            query = query.where(NoticeBatch.community_id.in_(ids))
        if pk is not None:
            query = query.where(NoticeBatch.id == pk)
        return any(batch.failure() is None for batch in db.session.scalars(query))

    def render_template(self, template, **kwargs):
        """Pages reload while a batch they show renders; a batch's page gets its progress."""
        pk = int(kwargs["pk"]) if "pk" in kwargs else None
        kwargs["refresh"] = REFRESH_SECONDS if self._running(pk) else None
        if pk is not None:  # FAB's show found it in the user's communities
            batch = db.session.get(NoticeBatch, pk)
            kwargs.update(batch=batch, failure=batch.failure(), state=state_label(batch.state()))
        return super().render_template(template, **kwargs)

    @expose("/merged/<int:pk>")
    @has_access
    def merged(self, pk: int):
        """The batch's merged PDF, to print."""
        batch = db.session.get(NoticeBatch, pk)
        if batch is None or not in_scope(batch):
            abort(404)
        code, period = batch.community.code, f"{batch.period_start:%Y-%m}"
        return send_pdf(batch.merged_file, f"notices-{code}-{period}.pdf")

    def offered_actions(self, item) -> set[str]:
        return {"resume"} if item.failure() is not None else set()

    @action(
        "resume",
        _l("Retry"),
        _l("Run the failed jobs of this batch again?"),
        "fa-redo",
        multiple=False,
    )
    def resume(self, item):
        # FAB loads the row of an action without the view's filters: check the scope here.
        if item is None or not in_scope(item):
            abort(404)
        if item.failure() is None:
            flash(gettext("Nothing to retry: no job of this batch has failed."), "warning")
        else:
            run_notice_batch(item.id)
            flash(gettext("The failed jobs of the batch are queued again."), "success")
        return redirect(url_for("NoticeBatchView.show", pk=item.id))
