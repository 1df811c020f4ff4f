"""Legal proposals of dunning (docs/domain.md §6): a manager other than the proposer approves
or rejects the legal action the daily scan proposed; an approved one gets its evidence pack.
"""

from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from app.domain.dunning import ActionKind
from app.models import DunningAction
from app.models.dunning import ProposalStatus
from app.services.errors import DomainError, NotFoundError, Problems
from app.services.rows import find_row


def awaits_decision(action: DunningAction) -> bool:
    """Whether the legal proposal ``action`` is still to be approved or rejected."""
    return action.status == ProposalStatus.PROPOSED


def _proposal(session: Session, action_id, actor: str) -> DunningAction:
    unknown = _l("Unknown legal proposal.")
    action = find_row(session, DunningAction, action_id, action_id=unknown)
    if action.kind != ActionKind.LEGAL_PROPOSAL:
        raise NotFoundError(action_id=unknown)
    if not awaits_decision(action):
        raise DomainError(action_id=_l("This proposal was already decided."))
    if action.created_by == actor:
        raise DomainError(action_id=_l("Someone other than the proposer must decide."))
    return action


def _decide(action: DunningAction, status: str, actor: str, note: str) -> None:
    action.status = status
    action.decided_by = actor
    action.decided_at = datetime.now(UTC)
    action.decision_note = note.strip() or None


def approve_legal(session: Session, action_id, actor: str, note: str = "") -> DunningAction:
    """A manager approves the proposed legal action; the evidence pack is then rendered
    (``jobs.dunning.render_evidence``)."""
    action = _proposal(session, action_id, actor)
    _decide(action, ProposalStatus.APPROVED, actor, note)
    session.flush()
    return action


def reject_legal(session: Session, action_id, actor: str, note: str = "") -> DunningAction:
    """A manager rejects the proposal, saying why; the case stays at the legal level (no new
    proposal for it) and staff go on with follow-ups."""
    action = _proposal(session, action_id, actor)
    problems = Problems()
    problems.check(bool(note.strip()), "decision_note", _l("Say why it is rejected."))
    problems.raise_if_any()
    _decide(action, ProposalStatus.REJECTED, actor, note)
    session.flush()
    return action


def evidence_file(number: str) -> str:
    return f"dunning/evidence/{number}.pdf"


def evidence_number(action: DunningAction) -> str:
    return f"ZJ-{action.scheduled_on:%Y%m%d}-{action.id:06d}"


def case_letters(action: DunningAction) -> list[str]:
    """The files of the case's formal letters (relative to ``WUYE_FILES_DIR``), in order."""
    return [a.document for a in action.case.actions if a.kind == ActionKind.LETTER and a.document]


def record_evidence(session: Session, action_id: int, document: str) -> DunningAction:
    action = session.get(DunningAction, action_id)  # unscoped: the evidence job
    if action is None or action.status != ProposalStatus.APPROVED:
        raise DomainError(action_id=_l("Only an approved proposal has an evidence pack."))
    action.document = document
    session.flush()
    return action
