"""The Jobs screen: every background job, its progress and the error of a failure (a record: no
add, edit or delete). Admin may run a failed job again."""

from flask import flash, redirect, url_for
from flask_appbuilder import action
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from app.labels import JOB_KINDS, LABELS
from app.models.jobs import JobRun, JobStatus
from app.security.scoping import current_user
from jobs import retry as retry_job

from .base import WuyeModelView
from .columns import enum_select, local_time


def preformatted(text) -> Markup:
    return Markup("<pre>{}</pre>").format(escape(text)) if text else Markup("")


class JobRunView(WuyeModelView):
    datamodel = SQLAInterface(JobRun)
    class_permission_name = "JobRun"
    method_permission_name = {**WuyeModelView.method_permission_name, "retry": "write"}
    base_permissions = ["can_read", "can_write"]
    include_route_methods = {"list", "show", "action"}
    base_filters = []
    list_title = show_title = _l("Jobs")
    enums = {"status": JobStatus}
    list_columns = [
        "enqueued_at",
        "function",
        "args",
        "status",
        "attempts",
        "progress",
        "finished_at",
    ]
    show_columns = [
        "job_id",
        "function",
        "args",
        "queue",
        "depends_on",
        "status",
        "attempts",
        "progress",
        "error",
        "enqueued_at",
        "enqueued_by",
        "started_at",
        "finished_at",
    ]
    search_columns = ["status", "job_id", "enqueued_at"]
    search_form_extra_fields = {"status": enum_select(LABELS["status"], JobStatus)}
    formatters_columns = {
        "enqueued_at": local_time,
        "started_at": local_time,
        "finished_at": local_time,
        "function": lambda path: JOB_KINDS.get(path, path),
        "args": lambda args: "、".join(str(arg) for arg in args or []),
        "error": preformatted,
    }
    base_order = ("id", "desc")

    @action("retry", _l("Retry"), _l("Run this job again?"), "fa-redo", multiple=False)
    def retry(self, item):
        done = retry_job(item.job_id, by=current_user().username)
        if done == "requeued":
            flash(gettext("The job is queued again."), "success")
        elif done == "pushed":
            flash(gettext("The job is handed to the queue again."), "success")
        else:
            flash(
                gettext(
                    "Only a failed or stuck job can be retried: this one has finished, waits "
                    "for another job or is running in a live worker."
                ),
                "warning",
            )
        return redirect(url_for("JobRunView.show", pk=item.id))
