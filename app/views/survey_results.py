"""Survey results (docs/domain.md §10): a survey's figures per dimension against the previous
survey, with their charts (the figures: ``app.services.survey_results``).
"""

from flask import abort
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import lazy_gettext as _l

from app.domain.surveys import HIGHEST
from app.extensions import db
from app.models.surveys import SurveyStatus
from app.services.errors import DomainError
from app.services.survey_results import satisfaction_history
from reports.charts import bar_chart, line_chart


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
