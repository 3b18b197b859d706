"""Background work for members: large roster imports. Each task takes an id, loads, calls one service.

The import tasks read an uploaded file, so they are acknowledged on receipt and never redelivered
when their worker dies (the project default is acks_late + reject_on_worker_lost): a hostile file that
killed one worker would be handed to the next, forever. A row left running is failed by
`fail_stale_imports_task` instead (issue 11, point 2)."""

import logging

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from members import importing
from members.importing.service import fail_stale_imports, publish_failed

log = logging.getLogger(__name__)
FILE_TASK = {"acks_late": False, "reject_on_worker_lost": False}


@shared_task(**FILE_TASK)
def check_roster_import(roster_import_id: int) -> None:
    importing.check_import(roster_import_id=roster_import_id)


@shared_task(**FILE_TASK)
def commit_roster_import(roster_import_id: int) -> None:
    importing.commit_import(roster_import_id=roster_import_id)


@shared_task
def fail_stale_imports_task() -> int:
    return fail_stale_imports(now=timezone.now(), older_than_minutes=stale_import_minutes())


def stale_import_minutes() -> int:
    """Longer than a task may run (CELERY_TASK_TIME_LIMIT), so a live task is never failed under it."""
    return getattr(settings, "CELERY_TASK_TIME_LIMIT", 30 * 60) // 60 + 15


def enqueue_import(roster_import_id: int, *, confirming: bool) -> None:
    """Publish the check or commit task once the transaction commits; a broker that is down marks the
    row (failed, or back to confirmable) instead of answering 500 and leaving it queued (point 7)."""
    task = commit_roster_import if confirming else check_roster_import

    def publish():
        try:
            task.delay(roster_import_id)
        except Exception:
            log.exception("roster import %s: could not publish %s", roster_import_id, task.name)
            publish_failed(roster_import_id=roster_import_id, confirming=confirming)

    transaction.on_commit(publish)
