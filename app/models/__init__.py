"""All tables. Importing this package registers every model on ``flask_appbuilder.Model``."""

from .audit import AuditLog
from .billing import Bill, BillingRun, BillLine
from .owner import Owner, Ownership
from .payments import Allocation, Payment, Receipt, ReceiptCounter
from .property import Building, Community, Unit
from .setting import Setting
from .staff import StaffAssignment
from .tariff import Tariff

__all__ = [
    "Allocation",
    "AuditLog",
    "Bill",
    "BillLine",
    "BillingRun",
    "Building",
    "Community",
    "Owner",
    "Ownership",
    "Payment",
    "Receipt",
    "ReceiptCounter",
    "Setting",
    "StaffAssignment",
    "Tariff",
    "Unit",
]
