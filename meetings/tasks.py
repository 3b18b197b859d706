"""Background jobs of the meetings app: each takes ids, loads, and calls one service."""

import logging

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from meetings.recordbook.batch import fail_stale_batches, publish_failed, run_batch
from meetings.rollup import default_years, rebuild, refresh_branches

log = logging.getLogger(__name__)


@shared_task(acks_late=True)
def render_recordbook_batch(batch_id: int) -> int:
    """The zip of every branch's record book under a 党委/党总支; safe to redeliver (run_batch re-checks)."""
    return run_batch(batch_id=batch_id).pk


def enqueue_batch(batch_id: int) -> None:
    """Publish the batch once the transaction commits; a broker that is down fails the batch with a
    Chinese message instead of answering 500 and leaving it pending (issue 11, point 7)."""

    def publish():
        try:
            render_recordbook_batch.delay(batch_id)
        except Exception:
            log.exception("record-book batch %s: could not publish", batch_id)
            publish_failed(batch_id=batch_id)

    transaction.on_commit(publish)


@shared_task(ignore_result=True)
def fail_stale_batches_task() -> int:
    """Batches stuck longer than a task may run are failed (beat, every 15 minutes)."""
    limit = getattr(settings, "CELERY_TASK_TIME_LIMIT", 30 * 60) // 60 + 15
    return fail_stale_batches(now=timezone.now(), older_than_minutes=limit)


@shared_task(ignore_result=True, acks_late=True)
def refresh_rollup(branch_ids: list[int]) -> None:
    """Re-evaluate these branches in the compliance rollup (a large import, or a refresh that failed
    after its records committed); idempotent."""
    refresh_branches(branch_ids, now=timezone.now())


@shared_task(ignore_result=True, acks_late=True, soft_time_limit=10 * 60, time_limit=12 * 60)
def rebuild_rollup(years: list[int] | None = None) -> None:
    """The whole rollup from scratch (a dashboard found it stale for today); idempotent."""
    now = timezone.now()
    rebuild(now=now, years=years or default_years(now))
