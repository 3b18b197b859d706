"""Background jobs of the meetings app: each takes ids, loads, and calls one service."""

import logging

from celery import group, shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from branches.models import Organization
from meetings.recordbook.batch import begin_batch, fail_stale_batches, publish_failed, run_item
from meetings.recordbook.store import ensure_book, render_lock_key
from meetings.recordbook.version import book_version
from meetings.rollup import default_years, rebuild, refresh_branches

log = logging.getLogger(__name__)

# Queues (orglife.settings.CELERY_TASK_ROUTES): the record books below go to "pdf", so a city's batch
# never delays a scan, a notification or an import.


@shared_task(acks_late=True)
def render_recordbook_batch(batch_id: int) -> int:
    """Fan a batch out as a group of one task per branch-year; only the items not done are sent, so
    running this again (a redelivery, a resumed batch) renders only what is missing."""
    pending = begin_batch(batch_id)
    if pending:
        group(render_batch_item.si(batch_id, branch_id) for branch_id in pending).apply_async()
    return len(pending)


@shared_task(ignore_result=True, acks_late=True)
def render_batch_item(batch_id: int, branch_id: int) -> None:
    """One branch-year of a batch into storage; a stored book of the same records is reused."""
    run_item(batch_id=batch_id, branch_id=branch_id)


@shared_task(ignore_result=True, acks_late=True)
def render_book(branch_id: int, year: int) -> None:
    """One branch-year's book into storage (a download found it stale or missing); idempotent. On a
    failure the page's render lock is released, so the next visit sends it again."""
    branch = Organization.objects.select_related("parent").get(pk=branch_id)
    try:
        ensure_book(branch=branch, year=year)
    except Exception:
        cache.delete(render_lock_key(branch_id, year, book_version(branch=branch, year=year, now=timezone.now())))
        raise


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
