"""Thin Celery tasks: parse the arguments, call one service. The schedule is CELERY_BEAT_SCHEDULE
in orglife/settings.py. Scans are idempotent (re-delivery after a lost worker is harmless, so
acks_late is safe) and need no result backend."""

from datetime import date

from celery import shared_task
from django.utils import timezone

from inspections import notifications, scanners
from meetings.periods import end_of_day


@shared_task(ignore_result=True, acks_late=True, soft_time_limit=15 * 60, time_limit=20 * 60)
def scan_compliance_task(at: str | None = None) -> None:
    """Every scanner, then the in-app notices; `at` (YYYY-MM-DD) scans as of the end of that day."""
    now = end_of_day(date.fromisoformat(at)) if at else timezone.now()
    scanners.scan_compliance(now=now)
    send_notification_emails_task.delay_on_commit()


@shared_task(ignore_result=True, acks_late=True, soft_time_limit=5 * 60, time_limit=6 * 60)
def send_notification_emails_task() -> None:
    notifications.send_notification_emails(now=timezone.now())
