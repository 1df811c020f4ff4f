"""REST API under ``/api/v1``: one ``ModelRestApi`` per resource of the public contract."""

from .audit import AuditLogApi
from .exports import ExportApi
from .masterdata import APIS as MASTER_DATA_APIS

APIS = (*MASTER_DATA_APIS, AuditLogApi, ExportApi)


def register_apis(appbuilder) -> None:
    for api in APIS:
        appbuilder.add_api(api)
