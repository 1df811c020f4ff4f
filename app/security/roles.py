"""The roles and their permissions (the README's role table, docs/security.md).

The six roles are declared here, in code, as Flask-AppBuilder *builtin roles* (``FAB_ROLES``):
each role is a list of (view-menu, permission) patterns, checked without any permission rows in
the database. A screen and the API for the same resource share one permission name
(``class_permission_name``) and the verbs ``can_read`` / ``can_write`` / ``can_delete``.
"""

import re

ADMIN, MANAGER, FINANCE, CUSTOMER_SERVICE, COLLECTOR, AUDITOR = (
    "Admin",
    "Manager",
    "Finance",
    "CustomerService",
    "Collector",
    "Auditor",
)
ROLES = (ADMIN, MANAGER, FINANCE, CUSTOMER_SERVICE, COLLECTOR, AUDITOR)

READ, WRITE, DELETE, EXPORT = "can_read", "can_write", "can_delete", "can_export"
APPROVE = "can_approve"
ASSIGN = "can_assign"  # complaints: give one to a staff member
OPEN_CLOSE = "can_open_close"  # surveys: open one, close it
PERSONAL_DATA, VIEW_PERSONAL_DATA = "PersonalData", "can_view_personal_data"
ALL_COMMUNITIES, SEE_ALL = "AllCommunities", "can_see_all"
TASKS, ALL_TASKS = "CollectionTask", "can_see_all_tasks"  # without it: only one's own tasks
RECTIFICATIONS, ALL_RECTIFICATIONS = "Rectification", "can_see_all_rectifications"  # likewise

# Screen methods and API methods mapped onto the shared verbs (FAB prefixes them with "can_").
VIEW_METHODS = {
    "list": READ,
    "show": READ,
    "download": READ,
    "add": WRITE,
    "edit": WRITE,
    "delete": DELETE,
    "muldelete": DELETE,
    "action": READ,
    "action_post": READ,
    "api": READ,
    "api_read": READ,
    "api_get": READ,
    "api_column_add": WRITE,
    "api_column_edit": WRITE,
    "api_readvalues": READ,
    "export": EXPORT,
}
API_METHODS = {
    "get": READ,
    "get_list": READ,
    "info": READ,
    "related": READ,
    "distinct": READ,
    "post": WRITE,
    "put": WRITE,
    "delete": DELETE,
    "bulk_delete": DELETE,
    "export": EXPORT,
}
VIEW_METHODS = {method: perm.removeprefix("can_") for method, perm in VIEW_METHODS.items()}
API_METHODS = {method: perm.removeprefix("can_") for method, perm in API_METHODS.items()}

# Resource -> the menu category its screen lives in.
MENU_CATEGORY = {
    "Community": "MasterData",
    "Building": "MasterData",
    "Unit": "MasterData",
    "OnboardingForm": "Administration",
    "Owner": "MasterData",
    "Ownership": "MasterData",
    "Tariff": "Billing",
    "BillingRunForm": "Billing",
    "BillingRun": "Billing",
    "Bill": "Billing",
    "RecordPaymentForm": "Payments",
    "Payment": "Payments",
    "Receipt": "Payments",
    "Waiver": "Payments",
    "DailyClose": "Payments",
    "ImportStatementForm": "Payments",
    "StatementImport": "Payments",
    "StatementEntry": "Payments",
    "BankMapping": "Payments",
    "StaffAssignment": "Administration",
    "Setting": "Administration",
    "AuditLog": "Administration",
    "JobRun": "Administration",
    "OutboxMessage": "Collection",
    "NoticeBatchForm": "Billing",
    "NoticeBatch": "Billing",
    "Arrears": "Collection",
    "EarlyWarning": "Collection",
    "DunningLevel": "Collection",
    "DunningAction": "Collection",
    "DunningCase": "Collection",
    "LegalProposal": "Collection",
    "CampaignForm": "Collection",
    "CollectionCampaign": "Collection",
    "CollectionTask": "Collection",
    "MyTasks": "Collection",
    "InstallmentDraftForm": "Collection",
    "InstallmentAgreement": "Collection",
    "ComplaintForm": "CustomerCare",
    "Complaint": "CustomerCare",
    "OverdueComplaint": "CustomerCare",
    "SurveyForm": "CustomerCare",
    "Survey": "CustomerCare",
    "SurveyResponse": "CustomerCare",
    "SurveyFollowUp": "CustomerCare",
    "SupervisionPlan": "Supervision",
    "SupervisionCheck": "Supervision",
    "RectificationLedger": "Supervision",
    "SupervisionReportForm": "Supervision",
    "SupervisionReport": "Supervision",
    "KPI": "Dashboard",
}

# Where each role starts its day after signing in (an endpoint; the others: the home page).
LANDING_PAGES = {
    MANAGER: "DashboardView.index",  # the figures, and what waits for a decision
    COLLECTOR: "MyTasksView.today",  # today's calls and visits
    FINANCE: "DailyCloseView.close",  # today's takings, checked against the receipts
    CUSTOMER_SERVICE: "OverdueComplaintView.list",  # complaints past a deadline
}

# Menu items that are no resource of their own (a form): shown to the roles holding
# (resource, verb).
MENU_ITEMS = {
    "BillingRunForm": ("BillingRun", WRITE),
    "RecordPaymentForm": ("Payment", WRITE),
    "DailyClose": ("Payment", READ),
    "ImportStatementForm": ("StatementImport", WRITE),
    "StatementEntry": ("StatementImport", READ),  # the unmatched queue, part of the imports
    "NoticeBatchForm": ("NoticeBatch", WRITE),
    "EarlyWarning": ("Arrears", READ),
    "DunningCase": ("DunningAction", READ),  # cases and legal proposals: views of the actions
    "LegalProposal": ("DunningAction", READ),
    "CampaignForm": ("CollectionCampaign", WRITE),
    "MyTasks": (TASKS, WRITE),  # those who make the calls
    "InstallmentDraftForm": ("InstallmentAgreement", WRITE),
    "ComplaintForm": ("Complaint", WRITE),
    "OverdueComplaint": ("Complaint", READ),
    "SurveyForm": ("Survey", WRITE),
    "RectificationLedger": (RECTIFICATIONS, READ),
    "SupervisionReportForm": ("SupervisionReport", READ),
}

MASTER_DATA = ("Community", "Building", "Unit", "Owner", "Ownership", "Tariff")
BILLS = ("Bill", "BillLine")
PAYMENTS = ("Payment", "Receipt")

GRANTS: dict[str, dict[str, tuple[str, ...]]] = {
    MANAGER: {
        **{r: (READ,) for r in (*MASTER_DATA, *BILLS, *PAYMENTS)},
        "BillingRun": (READ,),
        "Waiver": (READ, APPROVE),
        "StatementImport": (READ,),
        "OutboxMessage": (READ,),  # recipients masked
        "Arrears": (READ,),
        "DunningLevel": (READ,),
        "DunningAction": (READ, APPROVE),
        "NoticeBatch": (READ,),
        "CollectionCampaign": (READ, WRITE),
        TASKS: (READ, ALL_TASKS),
        "InstallmentAgreement": (READ, APPROVE),
        "Complaint": (READ, ASSIGN),
        "Survey": (READ, OPEN_CLOSE),
        "SurveyResponse": (READ,),
        "SurveyFollowUp": (READ,),
        "SupervisionPlan": (READ, WRITE),
        "SupervisionCheck": (READ, WRITE),
        RECTIFICATIONS: (READ, WRITE, APPROVE, ALL_RECTIFICATIONS),  # accepts or rejects
        "SupervisionReport": (READ,),
        "KPI": (READ,),  # key figures: the dashboard and /api/v1/kpi
    },
    FINANCE: {
        **{r: (READ,) for r in (*MASTER_DATA, *BILLS, *PAYMENTS)},
        "BillingRun": (READ, WRITE),
        "Payment": (READ, WRITE),
        "Bill": (READ, WRITE),
        "Waiver": (READ,),
        "StatementImport": (READ, WRITE),  # upload statements, assign unmatched entries
        "OutboxMessage": (READ, WRITE),  # send failed messages again, mark letters posted
        "Arrears": (READ,),
        **{r: (READ,) for r in ("DunningLevel", "DunningAction")},
        "NoticeBatch": (READ, WRITE),  # start notice batches, retry a failed one
        "InstallmentAgreement": (READ,),
        "CollectionCampaign": (READ,),
        RECTIFICATIONS: (READ, WRITE),  # those it is responsible for: reports them rectified
        "KPI": (READ,),  # the collection rate is a finance figure
    },
    CUSTOMER_SERVICE: {
        "Community": (READ,),
        "Building": (READ,),
        "Unit": (READ, WRITE),
        "Owner": (READ, WRITE),
        "Ownership": (READ, WRITE),
        "Tariff": (READ,),
        **{r: (READ,) for r in (*BILLS, *PAYMENTS)},
        "Waiver": (READ, WRITE),
        "OutboxMessage": (READ,),  # "did I get the notice?": answered with the recipient
        "Arrears": (READ,),
        **{r: (READ,) for r in ("DunningLevel", "DunningAction")},
        "NoticeBatch": (READ,),
        "CollectionCampaign": (READ,),
        TASKS: (READ, WRITE, ALL_TASKS),  # records contacts on any task of its communities
        "InstallmentAgreement": (READ, WRITE),  # drafts, attaches the signed scan
        "Complaint": (READ, WRITE, ASSIGN),
        "Survey": (READ, WRITE, OPEN_CLOSE),
        "SurveyResponse": (READ, WRITE),
        "SurveyFollowUp": (READ, WRITE),
        "SupervisionPlan": (READ,),
        "SupervisionCheck": (READ,),
        RECTIFICATIONS: (READ, WRITE, ALL_RECTIFICATIONS),  # reports rectified, never accepts
        PERSONAL_DATA: (VIEW_PERSONAL_DATA,),
    },
    COLLECTOR: {
        **{r: (READ,) for r in ("Community", "Building", "Unit", "Owner", "Ownership")},
        "Arrears": (READ,),  # of its communities: what its task sheets are about
        TASKS: (READ, WRITE),  # its own tasks only; their owners' phones unmasked
        RECTIFICATIONS: (READ, WRITE),  # those it is responsible for
    },
    AUDITOR: {
        **{
            r: (READ, EXPORT)
            for r in (
                *MASTER_DATA,
                *BILLS,
                *PAYMENTS,
                "BillingRun",
                "Waiver",
                "StaffAssignment",
                "AuditLog",
                "OutboxMessage",
                "Arrears",
                "DunningLevel",
                "DunningAction",
                "NoticeBatch",
                "CollectionCampaign",
                "InstallmentAgreement",
                "Complaint",
                "SupervisionPlan",
                "SupervisionCheck",
                "SupervisionReport",
                "Survey",
                "SurveyResponse",
                "SurveyFollowUp",
            )
        },
        TASKS: (READ, EXPORT, ALL_TASKS),
        RECTIFICATIONS: (READ, EXPORT, ALL_RECTIFICATIONS),
        ALL_COMMUNITIES: (SEE_ALL,),
        "StatementImport": (READ, EXPORT),
        "JobRun": (READ,),
        "KPI": (READ,),
    },
}

# Managers and auditors export every list they may read (docs/domain.md §13: exports are masked and
# audited); a resource granted above gets its export with its read.
EXPORTERS = (MANAGER, AUDITOR)
for _role in EXPORTERS:
    GRANTS[_role] = {
        view: (*perms, EXPORT) if READ in perms and EXPORT not in perms else perms
        for view, perms in GRANTS[_role].items()
    }


def _role_patterns(grants: dict[str, tuple[str, ...]]) -> list[list[str]]:
    """FAB builtin-role patterns for ``grants``, with the menus of every readable resource."""
    patterns = [
        [f"^{re.escape(view)}$", f"^({'|'.join(perms)})$"] for view, perms in grants.items()
    ]
    items = {v for v, p in grants.items() if READ in p and v in MENU_CATEGORY}
    items |= {item for item, (view, perm) in MENU_ITEMS.items() if perm in grants.get(view, ())}
    menus = sorted(items | {MENU_CATEGORY[item] for item in items})
    if menus:
        patterns.append([f"^({'|'.join(menus)})$", "^menu_access$"])
    return patterns


# Every staff member may read and edit their own profile and change their own password.
OWN_PROFILE = [
    ["^UserDBModelView$", "^can_(userinfo|userinfoedit|resetmypassword)$"],
    ["^(UserInfoEditView|ResetMyPasswordView)$", "^can_this_form_(get|post)$"],
]

FAB_ROLES = {ADMIN: [[".*", ".*"]]} | {
    role: _role_patterns(g) + OWN_PROFILE for role, g in GRANTS.items()
}
