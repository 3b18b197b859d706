"""Background jobs of the meetings app: each takes ids, loads, and calls one service."""

from celery import shared_task
from django.utils import timezone

from meetings.recordbook.batch import run_batch
from meetings.rollup import default_years, rebuild, refresh_branches


@shared_task(acks_late=True)
def render_recordbook_batch(batch_id: int) -> int:
    """The zip of every branch's record book under a 党委/党总支; safe to redeliver (run_batch re-checks)."""
    return run_batch(batch_id=batch_id).pk


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
