"""REST API under ``/api/v1``: one ``ModelRestApi`` per resource (docs/api.md)."""

from flask_appbuilder.api.manager import SwaggerView

from .arrears import APIS as ARREARS_APIS
from .audit import AuditLogApi
from .billing import APIS as BILLING_APIS
from .collection import APIS as COLLECTION_APIS
from .complaints import APIS as COMPLAINT_APIS
from .dunning import APIS as DUNNING_APIS
from .exports import ExportApi
from .installments import APIS as INSTALLMENT_APIS
from .kpi import APIS as KPI_APIS
from .masterdata import APIS as MASTER_DATA_APIS
from .onboarding import OnboardingApi
from .openapi import OpenApi
from .outbox import OutboxApi
from .payments import APIS as PAYMENT_APIS
from .statements import APIS as STATEMENT_APIS
from .supervision import APIS as SUPERVISION_APIS
from .surveys import APIS as SURVEY_APIS
from .waivers import APIS as WAIVER_APIS

APIS = (
    *MASTER_DATA_APIS,
    OnboardingApi,
    *BILLING_APIS,
    *PAYMENT_APIS,
    *WAIVER_APIS,
    *STATEMENT_APIS,
    *ARREARS_APIS,
    *DUNNING_APIS,
    *COLLECTION_APIS,
    *INSTALLMENT_APIS,
    *COMPLAINT_APIS,
    *SUPERVISION_APIS,
    *SURVEY_APIS,
    *KPI_APIS,
    AuditLogApi,
    OutboxApi,
    ExportApi,
)


def register_apis(appbuilder) -> None:
    for api in APIS:
        appbuilder.add_api(api)
    appbuilder.add_api(OpenApi)
    appbuilder.add_view_no_menu(SwaggerView)
