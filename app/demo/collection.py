"""The demo's collection (app/demo/__init__.py): half a year of dunning, a running collection
campaign with its calls, installment agreements, through the services the daily scan, the
collector, customer service and the manager use.

It happens in the order of its days (a queue of events), after ``money`` has booked the year:

- the dunning scan every two weeks for ``SCANS`` scans, the last on ``today``: reminders,
  formal letters and the demo's visit level (上门催收), whose tasks the collector visits within
  three days (a promise, an owner away, a refusal…; some promises are kept at the till, and a
  refusal waits for customer service to open its complaint); the visit campaigns of the day are
  closed three weeks on, those of the last two scans stay open;
- installment agreements drafted by customer service, their signed scan attached, approved by
  the manager and paid at the till: one completed, one defaulted, one active, one active
  deferral, and one draft waiting for the manager;
- the campaign ``CAMPAIGN`` of each community, started by the manager 12 days before ``today``
  for the demo collector, whose calls since then are recorded; a refusal is escalated and
  customer service opens the complaint it calls for.

The formal letters are recorded by the scans, not rendered: rendering and delivering them is
the job queue's work after a real scan, and the demo queues no jobs (its text reminders wait in
the outbox for the delivery sweep). Idempotent: the scans are the company's, so once any of the
communities has a dunning case or the campaign, the history is there. Deterministic for a given
``today`` (the services stamp the clock's instant on what they record: drafted, decided,
closed).
"""

import heapq
import itertools
import random
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from flask_appbuilder.security.sqla.models import User
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.clock import business_zone
from app.demo.counting import counter
from app.domain.collection import Outcome
from app.models import (
    CollectionCampaign,
    CollectionTask,
    Community,
    ContactAttempt,
    DunningAction,
    DunningCase,
    InstallmentAgreement,
)
from app.models.collection import CampaignStatus, ContactChannel
from app.models.installments import InstallmentKind, InstallmentStatus
from app.services.arrears import find_overdue_accounts
from app.services.collection import close_campaign, create_campaign
from app.services.collection_tasks import record_contact
from app.services.complaints import open_from_task
from app.services.dunning import scan_dunning
from app.services.errors import DomainError
from app.services.installments import approve_installment, attach_scan, draft_installment
from app.services.payments import record_payment

CAMPAIGN = "清欠专项行动"
SCANNER = "dunning-scan"  # the daily scan's actor
SCANS, EVERY = 13, timedelta(days=14)
VISITS_KEPT = timedelta(days=21)  # a day's visit campaign is closed this long after its scan
OUTCOMES = {  # outcome -> weight, of a visit or a call
    Outcome.PROMISED: 35,
    Outcome.UNDETERMINED: 20,
    Outcome.UNREACHABLE: 15,
    Outcome.AWAY: 15,
    Outcome.REFUSED: 15,
}
REFUSALS = {  # why an owner refuses -> the category of the complaint it calls for
    "电梯三个月内坏了四次，修好前不交物业费": "facilities",
    "地下车库漏水一直没人处理": "facilities",
    "楼道保洁不到位，垃圾经常过夜": "cleaning",
    "小区门禁形同虚设，家里被盗过": "security",
}
NOTES = {
    Outcome.UNDETERMINED: "业主说要和家人商量，过几天再联系",
    Outcome.UNREACHABLE: "电话停机，上门无人应答，邻居说已搬去子女家住",
    Outcome.AWAY: "业主在外地出差，已告知可微信或支付宝扫码缴费",
}
# Agreements: (what it shows, kind, days before today it is agreed, down payment share,
# instalments, days before today the first is due, instalments paid: -1 all, None: a draft).
AGREEMENTS = [
    ("completed", InstallmentKind.INSTALLMENT, 120, "0.3", 2, 90, -1),
    ("defaulted", InstallmentKind.INSTALLMENT, 130, "0.2", 4, 100, 1),
    ("active", InstallmentKind.INSTALLMENT, 45, "0.2", 6, 15, 1),
    ("deferral", InstallmentKind.DEFERRAL, 25, "0", 1, -20, 0),
    ("draft", InstallmentKind.INSTALLMENT, 2, "0.1", 3, -28, None),
]


def seed(session: Session, communities: list[Community], today: date) -> None:
    ids = [c.id for c in communities]
    made = session.scalar(
        select(DunningCase.id).where(DunningCase.community_id.in_(ids)).limit(1)
    ) or session.scalar(
        select(CollectionCampaign.id).where(
            CollectionCampaign.community_id.in_(ids), CollectionCampaign.name == CAMPAIGN
        )
    )
    if not made:
        _HalfYear(session, ids, today).live()


def instant(day: date, hour: int, minute: int = 0) -> datetime:
    """``hour``:``minute`` of business day ``day``, in UTC."""
    return datetime.combine(day, time(hour, minute), business_zone()).astimezone(UTC)


class _HalfYear:
    def __init__(self, session: Session, ids: list[int], today: date):
        self.session, self.ids, self.today = session, ids, today
        self.rng = random.Random(2028)
        self.events: list[tuple[date, int, Callable, tuple]] = []
        self.order = itertools.count()  # events of one day: in the order they were planned
        self.users = dict(session.execute(select(User.username, User.id)).all())
        self.agreed: set[int] = set()  # units with an agreement

    def at(self, day: date, event: Callable, *args) -> None:
        heapq.heappush(self.events, (day, next(self.order), event, args))

    def live(self) -> None:
        today = self.today
        for n in range(SCANS):
            self.at(today - EVERY * (SCANS - 1 - n), self.scan)
        for spec in AGREEMENTS:
            self.at(today - timedelta(days=spec[2]), self.agree, *spec)
        for community_id in self.ids:
            self.at(today - timedelta(days=12), self.campaign, community_id)
        while self.events:
            day, _, event, args = heapq.heappop(self.events)
            event(day, *args)

    def scan(self, day: date) -> None:
        for campaign in self.session.scalars(
            select(CollectionCampaign).where(  # unscoped: the demo, for the system
                CollectionCampaign.community_id.in_(self.ids),
                CollectionCampaign.created_by == SCANNER,
                CollectionCampaign.status == CampaignStatus.ACTIVE,
                CollectionCampaign.started_on <= day - VISITS_KEPT,
            )
        ):
            close_campaign(self.session, campaign.id)
        scan_dunning(self.session, day, actor=SCANNER)
        visits = self.session.scalars(
            select(DunningAction.task_id)
            .where(  # unscoped: as above
                DunningAction.community_id.in_(self.ids),
                DunningAction.scheduled_on == day,
                DunningAction.task_id.is_not(None),
            )
            .order_by(DunningAction.id)
        ).all()
        for task_id in visits:
            visit_day = day + timedelta(days=self.rng.randint(1, 3))
            if visit_day < self.today:  # the visits of the last days are the collector's to do
                self.at(visit_day, self.contact, task_id, ContactChannel.VISIT)

    def campaign(self, day: date, community_id: int) -> None:
        try:
            campaign = create_campaign(
                self.session,
                community_id,
                CAMPAIGN,
                [self.users["collector"]],
                min_days_overdue=15,
                first_contact_days=7,
                as_of=day,
                actor="manager",
            )
        except DomainError:  # nobody owes enough: no campaign
            return
        for task in campaign.tasks:
            if self.rng.random() < 0.75:
                call_day = day + timedelta(days=self.rng.randint(1, 7))
                self.at(min(call_day, self.today - timedelta(days=1)), self.contact, task.id)

    def contact(self, day: date, task_id: int, channel: str = ContactChannel.PHONE) -> None:
        task = self.session.get(CollectionTask, task_id)
        assert task is not None
        if task.campaign.status != CampaignStatus.ACTIVE:
            return
        rng = self.rng
        outcome = rng.choices(list(OUTCOMES), weights=list(OUTCOMES.values()))[0]
        reason = rng.choice(list(REFUSALS)) if outcome == Outcome.REFUSED else ""
        promised = day + timedelta(days=rng.randint(3, 20)) if outcome == Outcome.PROMISED else None
        record_contact(
            self.session,
            task.id,
            channel,
            outcome,
            promised_date=promised,
            promised_amount=task.arrears_at_start if promised else None,
            refusal_reason=reason,
            note=NOTES.get(outcome, ""),
            at=instant(day, rng.randint(9, 17), rng.randint(0, 59)),
            actor="collector",
        )
        if promised is not None and promised < self.today and rng.random() < 0.6:
            self.at(promised, self.pay, task.unit_id, task.arrears_at_start)
        elif outcome == Outcome.REFUSED and task.campaign.name == CAMPAIGN:
            open_from_task(self.session, task.id, REFUSALS[reason], actor="service")
        elif outcome != Outcome.PROMISED and channel == ContactChannel.PHONE:
            again = day + timedelta(days=rng.randint(1, 3))
            if again < self.today and len(task.attempts) < 2:
                self.at(again, self.contact, task.id)

    def pay(self, day: date, unit_id: int, amount: Decimal) -> None:
        record_payment(
            self.session,
            unit_id,
            amount,
            "cash",
            paid_at=instant(day, self.rng.randint(9, 17), self.rng.randint(0, 59)),
            actor="finance",
            today=self.today,
        )

    def agree(self, day: date, _shows, kind, _ago, share, count, first_ago, paid) -> None:
        accounts = sorted(
            (
                a
                for a in find_overdue_accounts(self.session, day, set(self.ids))
                if a.unit_id not in self.agreed and a.days_overdue >= 30 and a.overdue >= 100
            ),
            key=lambda a: a.unit_id,
        )
        if not accounts:
            return
        account = self.rng.choice(accounts)
        self.agreed.add(account.unit_id)
        down = (account.overdue * Decimal(share)).quantize(Decimal("1"))
        agreement = draft_installment(
            self.session,
            account.unit_id,
            kind=kind,
            agreed_on=day,
            down_payment=down if down > 0 else None,
            count=count,
            first_due=self.today - timedelta(days=first_ago),
            actor="service",
        )
        attach_scan(self.session, agreement.id, signed_scan(agreement.number))
        if paid is None:
            return  # the manager's to approve
        approve_installment(self.session, agreement.id, actor="manager", note="已核对签字协议")
        due = sorted(agreement.instalments, key=lambda i: i.seq)
        for item in due if paid < 0 else due[: paid + (1 if down > 0 else 0)]:
            if item.due_date < self.today:
                self.at(item.due_date, self.pay, account.unit_id, item.amount)


def signed_scan(number: str) -> bytes:
    """A one-page PDF standing for the scan of the signed agreement ``number``."""
    text = f"BT /F1 16 Tf 72 760 Td (Signed agreement {number} - demo scan) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    pdf, offsets = bytearray(b"%PDF-1.4\n"), []
    for n, body in enumerate(objects, 1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (n, body)
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(pdf)


def counts(session: Session, communities: list[Community], today: date) -> dict[str, int]:
    count = counter(session, [c.id for c in communities])
    return {
        "dunning cases": count(DunningCase),
        "dunning actions": count(DunningAction),
        "dunning visits": count(DunningAction, DunningAction.task_id.is_not(None)),
        "campaigns running": count(
            CollectionCampaign, CollectionCampaign.status == CampaignStatus.ACTIVE
        ),
        "collection tasks": count(CollectionTask),
        "contact attempts": count(ContactAttempt),
        "installment agreements": count(InstallmentAgreement),
        "agreements active": count(
            InstallmentAgreement, InstallmentAgreement.status == InstallmentStatus.ACTIVE
        ),
    }
