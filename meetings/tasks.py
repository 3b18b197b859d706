"""Background jobs of the meetings app: each takes ids, loads, and calls one service."""

from celery import shared_task

from meetings.recordbook.batch import run_batch


@shared_task(acks_late=True)
def render_recordbook_batch(batch_id: int) -> int:
    """The zip of every branch's record book under a 党委/党总支; safe to redeliver (run_batch re-checks)."""
    return run_batch(batch_id=batch_id).pk
