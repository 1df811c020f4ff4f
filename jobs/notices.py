"""The notice batch as a job chain, on the ``documents`` queue.

``queue_notice_batch`` (in the unit of work that starts the batch; ``run_notice_batch`` resumes
one) queues one ``render_notice_chunk`` job per chunk, so that N workers render N chunks at once.
A chunk job lays its notices out as ONE WeasyPrint document (fonts subset once), writes it, cuts
it into one PDF per notice (pypdf) and records them in its own unit of work; the chunk that
renders the batch's last notice queues ``merge_notices``, which joins the chunk files into the
printable PDF, marks the bills noticed, writes the outbox messages and queues their delivery.
Every job has a deterministic key (``app.models.notices.job_key``) and may run again: it
overwrites its files and rows.
"""

import reports
from app.audit import actor
from app.extensions import unit_of_work
from app.files import files_dir, write_file
from app.models import NoticeBatch
from app.models.notices import NoticeBatchStatus, job_key
from app.services.notices import (
    LANG,
    RenderedNotice,
    chunk_work,
    finish_notice_batch,
    merge_plan,
    pending_chunks,
    record_chunk,
)
from jobs.table import job_status
from reports.context import notice_context
from reports.pdfs import merge_pdfs, split_pdf

from . import enqueue, retry
from .delivery import enqueue_delivery

QUEUE = "documents"


def _enqueue_chunk(batch_id: int, chunk: int, label: str) -> str:
    return enqueue(
        render_notice_chunk,
        batch_id,
        chunk,
        key=job_key(batch_id, chunk),
        queue=QUEUE,
        description=f"notices {label} chunk {chunk + 1}",
    )


def _enqueue_merge(batch_id: int, label: str) -> str:
    return enqueue(
        merge_notices,
        batch_id,
        key=job_key(batch_id, "merge"),
        queue=QUEUE,
        description=f"notices {label} merge",
    )


def queue_notice_batch(session, batch_id: int) -> list[str]:
    """Queue, in ``session``'s unit of work, the chunks of the batch not yet rendered (and its
    merge once they all are); the job ids. The jobs are committed with the batch that asked for
    them and pushed after the commit: ``start_notice_batches`` and this share one transaction.
    """
    batch = session.get(NoticeBatch, batch_id)
    label = str(batch)
    queued = [_enqueue_chunk(batch_id, chunk, label) for chunk in pending_chunks(session, batch_id)]
    if batch.status == NoticeBatchStatus.MERGING:
        queued.append(_enqueue_merge(batch_id, label))
    return queued


def run_notice_batch(batch_id: int) -> list[str]:
    """Resume a batch started before; the job ids queued.

    Idempotent: its failed jobs run again, and so do those whose worker is gone
    (``jobs.sweeper.retry``), chunks not rendered are queued (one queued or running already is
    left alone), a batch whose notices are all rendered gets its merge.
    """
    with unit_of_work() as session:
        known = [
            job
            for job in session.get(NoticeBatch, batch_id).job_ids()
            if job_status(session, job) is not None
        ]
    for job in known:
        retry(job, actor()[1])
    with unit_of_work() as session:
        return queue_notice_batch(session, batch_id)


def render_notice_chunk(batch_id: int, chunk: int) -> int:
    """Render one chunk of the batch; returns its page count."""
    with unit_of_work() as session:
        work = chunk_work(session, batch_id, chunk)
        contexts = [notice_context(session, n.bill_id, work.issued_on) for n in work.notices]
    rendered, pages = [], 0
    if work.notices:
        batch = reports.render_batch("notice.html", contexts, LANG)
        pdf = batch.write_pdf()
        write_file(work.chunk_file, pdf)
        for notice, context, part, pages_of in zip(
            work.notices, contexts, split_pdf(pdf, batch.pages), batch.pages, strict=True
        ):
            write_file(notice.file, part)
            rendered.append(
                RenderedNotice(notice.notice_id, notice.file, len(pages_of), context["total_due"])
            )
        pages = len(batch.document.pages)
    with unit_of_work() as session:
        if record_chunk(session, batch_id, rendered, work.dropped):
            _enqueue_merge(batch_id, work.label)
    return pages


def merge_notices(batch_id: int) -> int:
    """Join the chunk files into the batch's printable PDF, mark the bills noticed and queue the
    messages to the owners; returns the page count."""
    with unit_of_work() as session:
        plan = merge_plan(session, batch_id)
    if plan is None:  # finished already
        return 0
    merged, pages = merge_pdfs(files_dir() / name for name in plan.chunk_files)
    write_file(plan.merged_file, merged)
    with unit_of_work() as session:
        enqueue_delivery(finish_notice_batch(session, batch_id, plan.merged_file, pages))
    return pages
