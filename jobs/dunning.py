"""Dunning jobs: the daily scan, the formal letters and the evidence packs (``documents`` queue).

``scan`` runs ``scan_dunning`` for the slot's business date (``jobs.schedule``); ``dispatch``
follows any scan's commit: it delivers the reminders and queues one ``render_letter`` per owner
due a letter. Letters and evidence packs are rendered outside the transaction that records
them, written whole under ``WUYE_FILES_DIR`` and then recorded; each job has a deterministic key
and may run again (a letter already recorded is not queued twice).
"""

from datetime import date
from io import BytesIO

import reports
from app.extensions import unit_of_work
from app.files import files_dir, write_file
from app.services.dunning import ScanResult, scan_dunning
from app.services.dunning_legal import evidence_file, record_evidence
from app.services.dunning_messages import letter_file, record_letter
from reports.context import dunning_letter_context, evidence_pack_context
from reports.pdfs import merge_pdfs

from . import enqueue
from .delivery import enqueue_delivery

QUEUE = "documents"


def dispatch(result: ScanResult) -> None:
    """In the scan's unit of work: deliver its reminders, render its letters (the jobs are
    committed with the scan, and pushed after)."""
    enqueue_delivery(result.messages)
    for owner_id in result.letters:
        enqueue(
            render_letter,
            owner_id,
            result.as_of.isoformat(),
            key=f"dunning-letter-{owner_id}-{result.as_of.isoformat()}",
            queue=QUEUE,
            description=f"dunning letter owner {owner_id} {result.as_of.isoformat()}",
        )


def scan(day: str) -> int:
    """The daily scan (periodic): record the day's dunning actions; returns how many."""
    with unit_of_work() as session:
        result = scan_dunning(session, date.fromisoformat(day), actor="dunning-scan")
        dispatch(result)
    return result.actions_created


def render_letter(owner_id: int, day: str) -> int | None:
    """Render the owner's formal letter of ``day``, queue it for delivery; the message id."""
    as_of = date.fromisoformat(day)
    with unit_of_work() as session:
        context = dunning_letter_context(session, owner_id, as_of)
    relative = letter_file(owner_id, as_of)
    write_file(relative, reports.render_pdf("dunning_letter.html", context))
    with unit_of_work() as session:
        message = record_letter(session, owner_id, as_of, relative)
        message_id = message.id if message is not None else None
        if message_id is not None:
            enqueue_delivery([message_id])
    return message_id


def enqueue_evidence(action_id: int) -> str:
    """In the unit of work that approves a legal proposal."""
    return enqueue(
        render_evidence,
        action_id,
        key=f"dunning-evidence-{action_id}",
        queue=QUEUE,
        description=f"evidence pack of dunning action {action_id}",
    )


def render_evidence(action_id: int) -> str:
    """The evidence pack of an approved proposal as one PDF: the summary (actions, deliveries,
    contacts, statement) followed by the formal letters sent; returns its file."""
    with unit_of_work() as session:
        context = evidence_pack_context(session, action_id)
    relative = evidence_file(context["number"])
    summary = reports.render_pdf("dunning_evidence.html", context)
    letters = [files_dir() / letter for letter in context["letters"]]
    pdf, _ = merge_pdfs([BytesIO(summary), *letters])
    write_file(relative, pdf)
    with unit_of_work() as session:
        record_evidence(session, action_id, relative)
    return relative
