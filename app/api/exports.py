"""``GET /api/v1/export/<resource>``: the export path of every resource (docs/api.md).

Each resource API carries its own ``export`` endpoint (``/api/v1/<resource>/export/``),
protected by that resource's ``can_export``; this path hands the request to it.
"""

from flask import current_app
from flask_appbuilder.api import BaseApi, expose

from .base import WuyeModelApi


class ExportApi(BaseApi):
    resource_name = "export"
    openapi_spec_tag = "Export"

    @expose("/<resource>", methods=["GET"])
    def export(self, resource: str):
        """Export a resource's filtered rows (see ``/api/v1/<resource>/export/``).
        ---
        get:
          parameters:
          - in: path
            name: resource
            description: a resource name, as in ``/api/v1/<resource>/``
            schema: {type: string, pattern: '^[a-z_]+$'}
          - in: query
            name: format
            schema: {type: string, enum: [csv, xlsx]}
          responses:
            200:
              description: the file, streamed
              content:
                text/csv: {schema: {type: string}}
                application/vnd.openxmlformats-officedocument.spreadsheetml.sheet:
                  schema: {type: string, format: binary}
        """
        for view in current_app.appbuilder.baseviews:
            if isinstance(view, WuyeModelApi) and view.resource_name == resource:
                return view.export()
        return self.response_404()
