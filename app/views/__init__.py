"""Screens and the menu: ``register_views`` is the one list of what appears where."""

from flask_babel import lazy_gettext as _l

from app.security.roles import MENU_CATEGORY

from .accounts import AccountView, DailyCloseView
from .admin import AuditLogView, SettingView, StaffAssignmentView
from .arrears import ArrearsView, EarlyWarningView
from .bank_mappings import BankMappingView
from .billing import (
    BillingRunFormView,
    BillingRunView,
    BillLineView,
    BillView,
    CancelBillView,
    ReissueBillView,
)
from .collection import (
    CampaignFormView,
    CampaignReportView,
    CollectionCampaignView,
    CollectionTaskView,
    ContactFormView,
    MyTasksView,
)
from .complaint_actions import (
    AcknowledgeComplaintView,
    AssignComplaintView,
    NonPaymentReasonView,
    NoteComplaintView,
    ReopenComplaintView,
    ResolveComplaintView,
    ReturnVisitView,
    StartComplaintView,
)
from .complaint_intake import ComplaintFromTaskView, ComplaintIntakeView
from .complaints import ComplaintView, OverdueComplaintView
from .dashboard import DashboardView
from .dunning import (
    ApproveLegalView,
    DunningActionView,
    DunningCaseView,
    DunningLevelView,
    LegalProposalView,
    RejectLegalView,
)
from .installments import (
    ApproveInstallmentView,
    AttachScanView,
    CancelInstallmentView,
    InstallmentAgreementView,
    InstallmentDraftFormView,
    RejectInstallmentView,
)
from .jobs import JobRunView
from .masterdata import (
    BuildingView,
    CommunityView,
    OwnershipView,
    OwnerView,
    TariffView,
    UnitView,
)
from .notices import NoticeBatchFormView, NoticeBatchView, NoticeView
from .onboarding import OnboardingView
from .outbox import OutboxView
from .payments import (
    PaymentView,
    ReceiptView,
    RecordPaymentFormView,
    ReversePaymentFormView,
)
from .rectifications import (
    AcceptRectificationView,
    RectificationLedgerView,
    RectificationView,
    RectifiedView,
    RejectRectificationView,
)
from .statements import (
    AssignEntryFormView,
    StatementEntryView,
    StatementImportFormView,
    StatementImportView,
    UnmatchedEntryView,
)
from .supervision import AddFindingView, CheckPlanView, FindingView, SupervisionCheckView
from .supervision_reports import SupervisionReportFormView, SupervisionReportView
from .survey_responses import (
    FollowUpDoneView,
    ResponseFormView,
    SurveyFollowUpView,
    register_public_form,
)
from .survey_results import SurveyResultsView
from .surveys import (
    SurveyFormView,
    SurveyLinksView,
    SurveyQuestionView,
    SurveyResponseView,
    SurveyView,
)
from .waivers import ApproveWaiverView, RejectWaiverView, RequestWaiverView, WaiverView

# The menu's top level, by each role's daily work: at most eight entries (the dashboard a link of
# its own; FAB's security screens join the administration).
CATEGORIES = {
    "Dashboard": None,
    "MasterData": (_l("Master data"), "fa-building"),
    "Billing": (_l("Billing"), "fa-file-invoice-dollar"),
    "Payments": (_l("Payments"), "fa-cash-register"),
    "Collection": (_l("Arrears and collection"), "fa-hand-holding-usd"),
    "CustomerCare": (_l("Customer care"), "fa-headset"),
    "Supervision": (_l("Supervision"), "fa-clipboard-check"),
    "Administration": (_l("Administration"), "fa-cogs"),
}

# (view, resource/menu name, label, icon), in menu order.
MENU = (
    (DashboardView, "KPI", _l("Dashboard"), "fa-tachometer-alt"),
    (CommunityView, "Community", _l("Communities"), "fa-city"),
    (BuildingView, "Building", _l("Buildings"), "fa-building"),
    (UnitView, "Unit", _l("Units"), "fa-door-closed"),
    (OwnerView, "Owner", _l("Owners and residents"), "fa-user"),
    (OwnershipView, "Ownership", _l("Paying owners (history)"), "fa-history"),
    (TariffView, "Tariff", _l("Tariffs"), "fa-list"),
    (BillingRunFormView, "BillingRunForm", _l("Start a billing run"), "fa-play"),
    (BillingRunView, "BillingRun", _l("Billing runs"), "fa-tasks"),
    (BillView, "Bill", _l("Bills"), "fa-file-invoice"),
    (RecordPaymentFormView, "RecordPaymentForm", _l("Record a payment"), "fa-cash-register"),
    (PaymentView, "Payment", _l("Payments"), "fa-money-bill"),
    (ReceiptView, "Receipt", _l("Receipts"), "fa-receipt"),
    (WaiverView, "Waiver", _l("Waivers"), "fa-hand-holding-usd"),
    (DailyCloseView, "DailyClose", _l("Daily close"), "fa-calculator"),
    (StatementImportFormView, "ImportStatementForm", _l("Import a statement"), "fa-file-upload"),
    (StatementImportView, "StatementImport", _l("Statement imports"), "fa-file-import"),
    (UnmatchedEntryView, "StatementEntry", _l("Unmatched entries"), "fa-question-circle"),
    (BankMappingView, "BankMapping", _l("Bank mappings"), "fa-university"),
    (NoticeBatchFormView, "NoticeBatchForm", _l("Print payment notices"), "fa-print"),
    (NoticeBatchView, "NoticeBatch", _l("Notice batches"), "fa-copy"),
    (ArrearsView, "Arrears", _l("Arrears"), "fa-exclamation-circle"),
    (EarlyWarningView, "EarlyWarning", _l("Early warning"), "fa-bell"),
    (MyTasksView, "MyTasks", _l("My tasks today"), "fa-phone"),
    (CampaignFormView, "CampaignForm", _l("New collection campaign"), "fa-bullhorn"),
    (CollectionCampaignView, "CollectionCampaign", _l("Collection campaigns"), "fa-flag"),
    (CollectionTaskView, "CollectionTask", _l("Collection tasks"), "fa-tasks"),
    (DunningCaseView, "DunningCase", _l("Dunning cases"), "fa-folder-open"),
    (DunningActionView, "DunningAction", _l("Dunning actions"), "fa-history"),
    (LegalProposalView, "LegalProposal", _l("Legal action proposals"), "fa-gavel"),
    (
        InstallmentDraftFormView,
        "InstallmentDraftForm",
        _l("Draft an installment agreement"),
        "fa-file-signature",
    ),
    (
        InstallmentAgreementView,
        "InstallmentAgreement",
        _l("Installment agreements"),
        "fa-handshake",
    ),
    (DunningLevelView, "DunningLevel", _l("Dunning levels"), "fa-layer-group"),
    (OutboxView, "OutboxMessage", _l("Outbox"), "fa-paper-plane"),
    (ComplaintIntakeView, "ComplaintForm", _l("Log a complaint"), "fa-headset"),
    (ComplaintView, "Complaint", _l("Complaints"), "fa-comments"),
    (OverdueComplaintView, "OverdueComplaint", _l("Overdue complaints"), "fa-exclamation-triangle"),
    (SurveyFormView, "SurveyForm", _l("New survey"), "fa-plus"),
    (SurveyView, "Survey", _l("Satisfaction surveys"), "fa-smile"),
    (SurveyResponseView, "SurveyResponse", _l("Survey responses"), "fa-comments"),
    (SurveyFollowUpView, "SurveyFollowUp", _l("Survey follow-ups"), "fa-phone-volume"),
    (CheckPlanView, "SupervisionPlan", _l("Check plans"), "fa-calendar-check"),
    (SupervisionCheckView, "SupervisionCheck", _l("Supervision checks"), "fa-clipboard-check"),
    (RectificationLedgerView, "RectificationLedger", _l("Rectification ledger"), "fa-list-ol"),
    (
        SupervisionReportFormView,
        "SupervisionReportForm",
        _l("Supervision-check report"),
        "fa-file-pdf",
    ),
    (SupervisionReportView, "SupervisionReport", _l("Stored supervision reports"), "fa-archive"),
    (OnboardingView, "OnboardingForm", _l("Moving in"), "fa-file-import"),
    (StaffAssignmentView, "StaffAssignment", _l("Staff assignments"), "fa-user-tag"),
    (SettingView, "Setting", _l("Settings"), "fa-sliders-h"),
    (AuditLogView, "AuditLog", _l("Audit log"), "fa-clipboard-list"),
    (JobRunView, "JobRun", _l("Jobs"), "fa-cogs"),
)

# Screens reached from others only (a bill's lines).
WITHOUT_MENU = (
    BillLineView,
    ReversePaymentFormView,
    CancelBillView,
    ReissueBillView,
    RequestWaiverView,
    ApproveWaiverView,
    RejectWaiverView,
    AccountView,
    StatementEntryView,
    AssignEntryFormView,
    NoticeView,
    CampaignReportView,
    ContactFormView,
    ApproveLegalView,
    RejectLegalView,
    AttachScanView,
    ApproveInstallmentView,
    RejectInstallmentView,
    CancelInstallmentView,
    AcknowledgeComplaintView,
    StartComplaintView,
    ResolveComplaintView,
    ReturnVisitView,
    ReopenComplaintView,
    NoteComplaintView,
    AssignComplaintView,
    NonPaymentReasonView,
    ComplaintFromTaskView,
    SurveyQuestionView,
    SurveyResultsView,
    SurveyLinksView,
    ResponseFormView,
    FollowUpDoneView,
    FindingView,
    RectificationView,
    AddFindingView,
    RectifiedView,
    AcceptRectificationView,
    RejectRectificationView,
)


def register_views(appbuilder) -> None:
    for view, name, label, icon in MENU:
        category = MENU_CATEGORY[name]
        if CATEGORIES[category] is None:  # a link of its own
            appbuilder.add_view(view, name, label=label, icon=icon)
            continue
        category_label, category_icon = CATEGORIES[category]
        appbuilder.add_view(
            view,
            name,
            label=label,
            icon=icon,
            category=category,
            category_label=category_label,
            category_icon=category_icon,
        )
    for view in WITHOUT_MENU:
        appbuilder.add_view_no_menu(view)
    _security_into_administration(appbuilder.menu)
    register_public_form(appbuilder)


def _security_into_administration(menu) -> None:
    """FAB's security screens (users, roles) under 系统管理, not in a menu of their own."""
    security, administration = menu.find("Security"), menu.find("Administration")
    if security is not None and administration is not None:
        administration.childs.extend(c for c in security.childs if c.name != "-")
        menu.menu.remove(security)
