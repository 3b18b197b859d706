"""The schedule lives in code; tasks are thin; the command prints what it opened and closed."""

from io import StringIO

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core.management import CommandError, call_command

from inspections.models import Alert
from inspections.tasks import scan_compliance_task, send_notification_emails_task
from orglife.celery import app


def test_beat_schedule_runs_the_scans_early_morning_shanghai_time():
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert settings.CELERY_TIMEZONE == "Asia/Shanghai"
    scan = schedule["scan-compliance"]
    assert scan["task"] in app.tasks and scan["schedule"] == crontab(hour=2, minute=30)
    assert schedule["send-notification-emails"]["task"] in app.tasks


def test_tasks_have_time_limits_and_no_results():
    for task in (scan_compliance_task, send_notification_emails_task):
        assert task.ignore_result and task.acks_late and task.soft_time_limit < task.time_limit


@pytest.mark.django_db
def test_the_task_scans_and_enqueues_the_emails_after_commit(monthly, absentee, django_capture_on_commit_callbacks,
                                                            monkeypatch):
    monthly(range(1, 8))
    sent = []
    monkeypatch.setattr(send_notification_emails_task, "delay", lambda *a, **k: sent.append(1))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        scan_compliance_task.run(at="2026-07-02")
    assert Alert.objects.filter(member=absentee, level="serious").exists()
    assert len(callbacks) == 1 and sent == [1]


@pytest.mark.django_db
def test_scan_compliance_command_prints_counts_and_is_idempotent(monthly, absentee):
    monthly(range(1, 8))
    out = StringIO()
    call_command("scan_compliance", "--at", "2026-07-02", stdout=out)
    assert "六个月：新开 1" in out.getvalue() and "closed=0" in out.getvalue()
    again = StringIO()
    call_command("scan_compliance", "--at", "2026-07-02", stdout=again)
    assert "opened=0 closed=0" in again.getvalue()
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("scan_compliance", "--at", "2026/13/01")
