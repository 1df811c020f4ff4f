"""All tables. Importing this package registers every model on ``flask_appbuilder.Model``."""

from .audit import AuditLog
from .billing import Bill, BillingRun, BillLine
from .collection import CollectionCampaign, CollectionTask, ContactAttempt
from .complaints import Complaint, ComplaintEntry
from .dunning import DunningAction, DunningCase, DunningLevel
from .installments import InstallmentAgreement, InstallmentBill, Instalment
from .jobs import JobRun
from .notices import Notice, NoticeBatch
from .outbox import OutboxMessage
from .owner import Owner, Ownership
from .payments import Allocation, Payment, Receipt, ReceiptCounter
from .property import Building, Community, Unit
from .sessions import UserSession
from .setting import Setting
from .staff import StaffAssignment
from .statements import BankMappingRecord, PayerAccount, StatementEntry, StatementImport
from .supervision import CheckPlan, Finding, Rectification, SupervisionCheck, SupervisionReport
from .surveys import (
    Survey,
    SurveyAnswer,
    SurveyFollowUp,
    SurveyQuestion,
    SurveyResponse,
    SurveyToken,
)
from .tariff import Tariff
from .waivers import Waiver

__all__ = [
    "Allocation",
    "AuditLog",
    "BankMappingRecord",
    "Bill",
    "BillLine",
    "BillingRun",
    "Building",
    "CheckPlan",
    "CollectionCampaign",
    "CollectionTask",
    "Community",
    "Complaint",
    "ComplaintEntry",
    "ContactAttempt",
    "DunningAction",
    "DunningCase",
    "DunningLevel",
    "Finding",
    "Instalment",
    "InstallmentAgreement",
    "InstallmentBill",
    "JobRun",
    "Notice",
    "NoticeBatch",
    "OutboxMessage",
    "Owner",
    "Ownership",
    "PayerAccount",
    "Payment",
    "Receipt",
    "ReceiptCounter",
    "Rectification",
    "Setting",
    "UserSession",
    "StaffAssignment",
    "StatementEntry",
    "StatementImport",
    "SupervisionCheck",
    "SupervisionReport",
    "Survey",
    "SurveyAnswer",
    "SurveyFollowUp",
    "SurveyQuestion",
    "SurveyResponse",
    "SurveyToken",
    "Tariff",
    "Unit",
    "Waiver",
]
