"""All tables. Importing this package registers every model on ``flask_appbuilder.Model``."""

from .audit import AuditLog
from .billing import Bill, BillingRun, BillLine
from .collection import CollectionCampaign, CollectionTask, ContactAttempt
from .dunning import DunningAction, DunningCase, DunningLevel
from .jobs import JobRun
from .notices import Notice, NoticeBatch
from .outbox import OutboxMessage
from .owner import Owner, Ownership
from .payments import Allocation, Payment, Receipt, ReceiptCounter
from .property import Building, Community, Unit
from .setting import Setting
from .staff import StaffAssignment
from .statements import BankMappingRecord, PayerAccount, StatementEntry, StatementImport
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
    "CollectionCampaign",
    "CollectionTask",
    "Community",
    "ContactAttempt",
    "DunningAction",
    "DunningCase",
    "DunningLevel",
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
    "Setting",
    "StaffAssignment",
    "StatementEntry",
    "StatementImport",
    "Tariff",
    "Unit",
    "Waiver",
]
