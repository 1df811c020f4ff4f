"""A unit's account statement and the cashiers' daily close, as screens (the close also as
CSV or XLSX: the closing report cashiers hand in, so reading it is enough to export it)."""

from datetime import date

from flask import abort, request
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from app.clock import business_date
from app.domain.payment_codes import payment_code
from app.domain.windows import in_business_years
from app.extensions import db
from app.models.types import PaymentMethod
from app.security.scoping import visible_community_ids
from app.services.accounts import account_statement
from app.services.daily_close import daily_close
from app.services.errors import NotFoundError

from .base import export_links, send_rows
from .columns import enum_label


def day_arg(name: str) -> date:
    """A ``YYYY-MM-DD`` query argument, today when absent, malformed or outside the years
    2000-2099 (docs/input.md)."""
    try:
        day = date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return business_date()
    return day if in_business_years(day) else business_date()


class AccountView(BaseView):
    """``/account/<unit_id>?as_of=``: bills, late fees to date, credit and total due."""

    route_base = "/account"
    class_permission_name = "Bill"
    method_permission_name = {"statement": "read"}

    @expose("/<int:unit_id>")
    @has_access
    def statement(self, unit_id: int):
        try:
            statement = account_statement(db.session, unit_id, day_arg("as_of"))
        except NotFoundError:
            abort(404)
        title = gettext(
            "Account of unit %(unit)s · payment code %(code)s",
            unit=statement.unit_code,
            code=payment_code(statement.unit_id),
        )
        return self.render_template("payments/statement.html", title=title, statement=statement)


class DailyCloseView(BaseView):
    """The day's takings per cashier and method, checked against the receipts."""

    class_permission_name = "Payment"
    method_permission_name = {"close": "read", "export": "read"}
    default_view = "close"

    @expose("/")
    @has_access
    def close(self):
        close = daily_close(db.session, day_arg("day"), visible_community_ids())
        return self.render_template(
            "payments/daily_close.html",
            title=_l("Daily close"),
            close=close,
            method_label=enum_label(PaymentMethod),
            exports=export_links(self),
        )

    @expose("/export/<fmt>")
    @has_access
    def export(self, fmt: str):
        close = daily_close(db.session, day_arg("day"), visible_community_ids())
        label = enum_label(PaymentMethod)
        header = [
            gettext("Day"),
            gettext("Cashier"),
            gettext("Payment method"),
            gettext("Payments"),
            gettext("Received (¥)"),
            gettext("Reversed (¥)"),
            gettext("Net (¥)"),
        ]
        rows = [
            [
                close.day,
                line.cashier,
                label(line.method),
                line.payments,
                line.received,
                line.reversed,
                line.net,
            ]
            for line in close.lines
        ]
        return send_rows(fmt, f"daily-close-{close.day}", header, rows)
