"""Delivery jobs: send one outbox message; sweep the outbox for messages that are due.

``deliver`` is enqueued after the commit that queued the message (``enqueue_delivery``); the
sweep ``deliver_due`` picks up whatever a lost job, a retry or the SMS quiet hours left queued,
so the outbox, not the job queue, is the truth about what still has to go out.
"""

import logging
from collections.abc import Iterable

from app.extensions import unit_of_work
from app.services.delivery import TransientDeliveryError, due_messages, send_message

from . import TransientError, enqueue

log = logging.getLogger(__name__)


def deliver(message_id: int) -> str:
    """Send one queued message; returns its status.

    A transient failure is committed (the attempt counted, the message still queued) and then
    raised as ``TransientError``, so that the queue retries the job with back-off.
    """
    retry = None
    with unit_of_work() as session:
        try:
            status = send_message(session, message_id).status
        except TransientDeliveryError as err:
            retry = err
    if retry is not None:
        raise TransientError(str(retry)) from retry
    return status


def deliver_due(day: str = "") -> int:
    """Send every queued message that is due now; returns how many were tried.

    Periodic (``jobs.schedule``): ``day``, the slot's business date, is not needed, since what
    is due depends on the clock alone.
    """
    with unit_of_work() as session:
        ids = due_messages(session)
    for message_id in ids:
        try:
            deliver(message_id)
        except TransientError as err:  # counted on the message; the next sweep retries
            log.warning("outbox message %s not delivered yet: %s", message_id, err)
    return len(ids)


def enqueue_delivery(message_ids: Iterable[int], again: bool = False) -> None:
    """Enqueue ``deliver`` for each message, in the unit of work that queued them.

    The first delivery has a deterministic job key, so queuing it twice runs it once; a
    delivery ``again`` (a resend) gets a fresh key, since the first job has already run.
    """
    for message_id in message_ids:
        enqueue(deliver, message_id, key=None if again else f"deliver-{message_id}")
