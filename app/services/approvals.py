"""What waits for a manager's decision (the dashboard's "waiting for my approval" box):
requested waivers, signed installment drafts and proposed legal actions, in the user's
communities (docs/domain.md §4, §6, §8)."""

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import DunningAction, InstallmentAgreement, Waiver
from app.models.dunning import DunningActionKind, ProposalStatus
from app.models.installments import InstallmentStatus
from app.services.rows import USERS_COMMUNITIES, visible_only


@dataclass(frozen=True)
class Awaiting:
    waivers: int
    installments: int
    legal_actions: int

    @property
    def total(self) -> int:
        return self.waivers + self.installments + self.legal_actions


def awaiting_decision(session: Session, community_ids=USERS_COMMUNITIES) -> Awaiting:
    """How many rows of each kind wait for a decision in ``community_ids``."""

    def count(model, *conditions) -> int:
        statement = select(func.count()).select_from(model).where(*conditions)
        return session.execute(visible_only(statement, model, community_ids)).scalar_one()

    return Awaiting(
        waivers=count(Waiver, Waiver.status == "requested"),
        installments=count(
            InstallmentAgreement,
            InstallmentAgreement.status == InstallmentStatus.DRAFT,
            InstallmentAgreement.signed_scan.is_not(None),
        ),
        legal_actions=count(
            DunningAction,
            DunningAction.kind == DunningActionKind.LEGAL_PROPOSAL,
            DunningAction.status == ProposalStatus.PROPOSED,
        ),
    )
