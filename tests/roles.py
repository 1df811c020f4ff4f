"""The README's role table (section "Roles, permissions and communities") and the requests that
check each of its cells (tests/test_role_table.py).

A cell is ``-`` or letters: ``r`` read (list screens and API lists answer), ``w`` create or change,
``a`` decide (approve or reject, assign a complaint, open or close a survey, accept a
rectification), ``x`` export, ``o`` only its own rows (the tasks assigned to it, the rectifications
it is responsible for). On the personal-data row, ``r`` means "sees them unmasked".

Each letter of a row has probes: real requests whose answer, for a role that holds the letter,
is the probe's status (a write or a decision on a row that does not exist answers 404 or 400
and changes nothing) and, for a role that does not, 403. A ``Probe`` with ``shows`` instead
checks that the answer's page shows (or not) a marker: an action button, a masked phone.
"""

import re
from dataclasses import dataclass
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
ROLES = ("Admin", "Manager", "Finance", "CustomerService", "Collector", "Auditor")
LETTERS = set("rwaxo")
NO_ROW = 999999  # the id of no row: a refused request must be refused before it is looked up


@dataclass(frozen=True)
class Probe:
    url: str
    status: int = 200  # the answer of a role that holds the letter
    method: str = "GET"
    body: dict | None = None
    shows: str = ""  # instead of the status: the marker the page shows only to such a role
    own: str = ""  # "o": the API list's column naming whose each row is (a username)


def api(url, status=200):
    return Probe(url, status)


def post(url, status=400, body=None):
    """A write refused for its body (400) or a row it names, or the lack of one (404), when
    allowed; 403 when not."""
    return Probe(url, status, "POST", {} if body is None else body)


def screen(url, status=200):
    return Probe(url, status)


def shows(url, marker):
    return Probe(url, shows=marker)


def own(api_url, column):
    return Probe(api_url, own=column)


def lists(api_url, *screens):
    return [api(api_url), *(screen(s) for s in screens)]


def exports(resource, *views):
    return [api(f"/api/v1/{resource}/export/?format=csv")] + [
        screen(f"/{view}/export/csv") for view in views
    ]


def decide(resource, verb="approve"):
    return [post(f"/api/v1/{resource}/{NO_ROW}/{verb}", 404)]


AS_OF = "as_of=2026-03-31"
KPI = "/api/v1/kpi/collection?period=2026-03&" + AS_OF

PROBES: dict[str, dict[str, list[Probe]]] = {
    "Communities, buildings": {
        "r": lists("/api/v1/community/", "/communityview/list/")
        + lists("/api/v1/building/", "/buildingview/list/"),
        "w": [post("/api/v1/community/"), post("/api/v1/building/"), screen("/buildingview/add")],
        "x": exports("community", "communityview") + exports("building", "buildingview"),
    },
    "Units, owners, ownerships": {
        "r": lists("/api/v1/unit/", "/unitview/list/")
        + lists("/api/v1/owner/", "/ownerview/list/")
        + lists("/api/v1/ownership/", "/ownershipview/list/"),
        "w": [
            post("/api/v1/unit/"),
            post("/api/v1/owner/"),
            post("/api/v1/ownership/"),
            screen("/ownerview/add"),
        ],
        "x": exports("unit", "unitview") + exports("owner", "ownerview"),
    },
    "Tariffs": {
        "r": lists("/api/v1/tariff/", "/tariffview/list/"),
        "w": [post("/api/v1/tariff/"), screen("/tariffview/add")],
        "x": exports("tariff", "tariffview"),
    },
    "Billing runs": {
        "r": lists("/api/v1/billing_run/", "/billingrunview/list/"),
        "w": [post("/api/v1/billing/run"), screen("/billingrunformview/start")],
        "x": exports("billing_run", "billingrunview"),
    },
    "Bills, account statements": {
        "r": lists("/api/v1/bill/", "/billview/list/", "/billlineview/list/", "/account/1")
        + [api("/api/v1/account/1/statement")],
        "w": [post(f"/api/v1/bill/{NO_ROW}/cancel", 404), screen(f"/cancelbillview/{NO_ROW}")],
        "x": exports("bill", "billview"),
    },
    "Payments, receipts, daily close": {
        "r": lists("/api/v1/payment/", "/paymentview/list/", "/dailycloseview/")
        + lists("/api/v1/receipt/", "/receiptview/list/"),
        "w": [post("/api/v1/payment/"), screen("/recordpaymentformview/record")],
        "x": exports("payment", "paymentview") + exports("receipt", "receiptview"),
    },
    "Waivers": {
        "r": lists("/api/v1/waiver/", "/waiverview/list/"),
        "w": [post("/api/v1/waiver/", 404), screen(f"/requestwaiverview/{NO_ROW}")],
        "a": decide("waiver") + [screen(f"/approvewaiverview/{NO_ROW}")],
        "x": exports("waiver", "waiverview"),
    },
    "Statement imports and entries": {
        "r": lists("/api/v1/statement_import/", "/statementimportview/list/")
        + lists("/api/v1/statement_entry/", "/unmatchedentryview/list/"),
        "w": [
            post("/api/v1/statement/import"),
            post(f"/api/v1/statement_entry/{NO_ROW}/assign", 404),
            screen("/statementimportformview/upload"),
        ],
        "x": exports("statement_entry", "unmatchedentryview"),
    },
    "Outbox": {
        "r": lists("/api/v1/outbox/", "/outboxview/list/"),
        "w": [shows("/outboxview/list/", "resend_menu_item")],  # "Send again"
        "x": exports("outbox", "outboxview"),
    },
    "Notice batches": {
        "r": [screen("/noticebatchview/list/")],
        "w": [screen("/noticebatchformview/start")],
        "x": [screen("/noticebatchview/export/csv")],
    },
    "Arrears, early warning": {
        "r": lists(f"/api/v1/arrears/?{AS_OF}", f"/arrears/?{AS_OF}", f"/arrears/warning/?{AS_OF}")
        + [api(f"/api/v1/arrears/aging?{AS_OF}"), api(f"/api/v1/arrears/warning?{AS_OF}")],
        "x": [
            screen(f"/arrears/export/csv?{AS_OF}"),
            screen(f"/arrears/warning/export/csv?{AS_OF}"),
        ],
    },
    "Dunning levels": {
        "r": lists("/api/v1/dunning_level/", "/dunninglevelview/list/"),
        "w": [post("/api/v1/dunning_level/")],
        "x": exports("dunning_level", "dunninglevelview"),
    },
    "Dunning actions, cases, legal proposals": {
        "r": lists(
            "/api/v1/dunning_action/",
            "/dunningactionview/list/",
            "/dunningcaseview/list/",
            "/legalproposalview/list/",
        ),
        "w": [post("/api/v1/dunning/scan", body={"as_of": "not a day"})],
        "a": decide("dunning_action") + [screen(f"/approvelegalview/{NO_ROW}")],
        "x": exports("dunning_action", "dunningactionview", "legalproposalview"),
    },
    "Collection campaigns": {
        "r": lists("/api/v1/collection_campaign/", "/collectioncampaignview/list/"),
        "w": [post("/api/v1/collection_campaign/", 404), screen("/collection/new/")],
        "x": exports("collection_campaign", "collectioncampaignview"),
    },
    "Collection tasks": {
        "r": lists("/api/v1/collection_task/", "/collectiontaskview/list/"),
        "w": [
            post(f"/api/v1/collection_task/{NO_ROW}/contact", 404),
            screen("/collection/my-tasks/"),
        ],
        "x": exports("collection_task", "collectiontaskview"),
        "o": [own("/api/v1/collection_task/", "assignee.username")],
    },
    "Installment agreements": {
        "r": lists("/api/v1/installment/", "/installmentagreementview/list/"),
        "w": [post("/api/v1/installment/", 404), screen("/installmentdraftformview/draft")],
        "a": decide("installment") + [screen(f"/approveinstallmentview/{NO_ROW}")],
        "x": exports("installment", "installmentagreementview"),
    },
    "Complaints": {
        "r": lists("/api/v1/complaint/", "/complaintview/list/", "/overduecomplaintview/list/"),
        "w": [post("/api/v1/complaint/"), screen("/complaints/new/")],
        "a": decide("complaint", "assign") + [screen(f"/assigncomplaintview/{NO_ROW}")],
        "x": exports("complaint", "complaintview"),
    },
    "Surveys": {
        "r": lists("/api/v1/survey/", "/surveyview/list/"),
        "w": [post("/api/v1/survey/", 404), screen("/surveys/new/")],
        "a": decide("survey", "open"),
        "x": exports("survey", "surveyview"),
    },
    "Survey responses, follow-ups": {
        "r": lists(
            "/api/v1/survey_response/", "/surveyresponseview/list/", "/surveyfollowupview/list/"
        ),
        "w": [post("/api/v1/survey_response/", 404), screen(f"/followupdoneview/{NO_ROW}")],
        "x": exports("survey_response", "surveyresponseview", "surveyfollowupview"),
    },
    "Supervision plans, checks": {
        "r": lists(
            "/api/v1/supervision_check/", "/supervisioncheckview/list/", "/checkplanview/list/"
        ),
        "w": [post("/api/v1/supervision_check/", 404), screen("/checkplanview/add")],
        "x": exports("supervision_check", "supervisioncheckview", "checkplanview"),
    },
    "Rectifications": {
        "r": lists("/api/v1/rectification/", "/rectificationview/list/", "/supervision/ledger/"),
        "w": [post(f"/api/v1/rectification/{NO_ROW}/rectified", 404)],
        "a": decide("rectification", "accept") + [screen(f"/acceptrectificationview/{NO_ROW}")],
        "x": exports("rectification", "rectificationview"),
        "o": [own("/api/v1/rectification/", "responsible.username")],
    },
    "Supervision reports": {
        "r": [screen("/supervisionreportview/list/"), screen("/supervision/report/")],
        "x": [screen("/supervisionreportview/export/csv")],
    },
    "Key figures (dashboard)": {
        "r": [api(KPI), screen("/dashboard/")],
    },
    "Staff assignments": {
        "r": [screen("/staffassignmentview/list/")],
        "w": [screen("/staffassignmentview/add")],
        "x": [screen("/staffassignmentview/export/csv")],
    },
    "Audit log": {
        "r": lists("/api/v1/audit_log/", "/auditlogview/list/"),
        "x": exports("audit_log", "auditlogview"),
    },
    "Background jobs": {
        "r": [screen("/jobrunview/list/")],
        "w": [shows("/jobrunview/show/1", "/jobrunview/action/retry/1")],
        "x": [screen("/jobrunview/export/csv")],
    },
    "Settings, bank mappings": {
        "r": [screen("/settingview/list/"), screen("/bankmappingview/list/")],
        "w": [screen("/settingview/add"), screen("/bankmappingview/add")],
        "x": [screen("/settingview/export/csv")],
    },
    "Personal data unmasked (phones, e-mail, ID numbers, payer accounts)": {
        "r": [shows("/ownerview/show/1", "13812345678")],
    },
}


#: The permission names (app/security/roles.py, GRANTS) each row of the table is about.
RESOURCES = {
    "Communities, buildings": {"Community", "Building"},
    "Units, owners, ownerships": {"Unit", "Owner", "Ownership"},
    "Tariffs": {"Tariff"},
    "Billing runs": {"BillingRun"},
    "Bills, account statements": {"Bill", "BillLine"},
    "Payments, receipts, daily close": {"Payment", "Receipt"},
    "Waivers": {"Waiver"},
    "Statement imports and entries": {"StatementImport"},
    "Outbox": {"OutboxMessage"},
    "Notice batches": {"NoticeBatch"},
    "Arrears, early warning": {"Arrears"},
    "Dunning levels": {"DunningLevel"},
    "Dunning actions, cases, legal proposals": {"DunningAction"},
    "Collection campaigns": {"CollectionCampaign"},
    "Collection tasks": {"CollectionTask"},
    "Installment agreements": {"InstallmentAgreement"},
    "Complaints": {"Complaint"},
    "Surveys": {"Survey"},
    "Survey responses, follow-ups": {"SurveyResponse", "SurveyFollowUp"},
    "Supervision plans, checks": {"SupervisionPlan", "SupervisionCheck"},
    "Rectifications": {"Rectification"},
    "Supervision reports": {"SupervisionReport"},
    "Key figures (dashboard)": {"KPI"},
    "Staff assignments": {"StaffAssignment"},
    "Audit log": {"AuditLog"},
    "Background jobs": {"JobRun"},
    "Settings, bank mappings": {"Setting", "BankMapping"},
    "Personal data unmasked (phones, e-mail, ID numbers, payer accounts)": {"PersonalData"},
}


def readme_table() -> dict[str, dict[str, str]]:
    """``{row: {role: cell}}`` of the README's role table (the one whose header lists the
    roles)."""
    header = "| resource | " + " | ".join(ROLES) + " |"
    lines = README.read_text(encoding="utf-8").splitlines()
    start = lines.index(header) + 2  # the header, then its separator
    table = {}
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        name, *cells = (cell.strip() for cell in line.strip("|").split("|"))
        assert len(cells) == len(ROLES), line
        table[re.sub(r"\*|`", "", name)] = dict(zip(ROLES, cells, strict=True))
    return table
