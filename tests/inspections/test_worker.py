"""A real `celery -A orglife worker` against the real Redis runs the scan end to end (stack-notes §3.3:
eager mode is an emulation, not a test).

The worker is another process, so it must see committed rows. A pytest-django transactional test
would end with a flush that also empties the rows the data migrations wrote (default policy,
quota rules) for every later test; instead this test commits its own rows with the database
unblocked and deletes exactly those rows afterwards.
"""

import os
import subprocess
import sys
import time
import uuid
from datetime import date
from pathlib import Path

import pytest
import redis
from django.db import connection, transaction

from branches.models import Organization, Role
from inspections.models import Alert, Notification
from inspections.tasks import scan_compliance_task
from meetings.models import Kind, Meeting
from members.models import Member
from orglife.celery import app
from tests.factories import UserFactory, make_member, make_org
from tests.inspections.conftest import ABSENT, local

pytestmark = pytest.mark.celery_worker
REDIS_URL = os.environ.get("CELERY_TEST_REDIS_URL", "redis://127.0.0.1:6379/12")
ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _seed():
    from branches import services as branch_services
    from meetings import services as meeting_services

    root = make_org("WKR", kind=Organization.Kind.PARTY_COMMITTEE, name="测试区委")
    branch = make_org("WKR-A", parent=root, name="测试党支部")
    secretary = UserFactory(username="worker_secretary")
    branch_services.assign_role(actor=None, user=secretary, role=Role.SECRETARY, org=branch)
    make_member(branch, name="在岗党员")
    absentee = make_member(branch, name="长期缺席者")
    for month in range(1, 8):
        meeting_services.record_meeting(actor=None, branch=branch, kinds=[Kind.THEME_DAY], topic="主题党日",
                                        held_at=local(2026, month, 10, 9), now=local(2026, month, 10, 9),
                                        attendance={absentee.pk: ABSENT})
    return root, branch, secretary, absentee


def _cleanup(audit_from: int):
    from core.models import AuditEntry

    orgs = Organization.objects.filter(code__startswith="WKR")
    Alert.objects.filter(org__in=orgs).delete()
    Meeting.objects.filter(branch__in=orgs).delete()
    Member.objects.filter(branch__in=orgs).delete()
    from django.contrib.auth import get_user_model

    get_user_model().objects.filter(username="worker_secretary").delete()
    for org in orgs.order_by("-depth"):
        org.delete()
    AuditEntry.objects.filter(pk__gt=audit_from).delete()


def test_a_real_worker_runs_the_scan_through_redis(django_db_setup, django_db_blocker):
    broker = redis.Redis.from_url(REDIS_URL)
    broker.flushdb()
    queue = f"orglife-test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DATABASE_URL": None, "REDIS_URL": REDIS_URL, "CELERY_BROKER_URL": REDIS_URL,
           "DJANGO_SETTINGS_MODULE": "orglife.settings"}
    worker = None
    with django_db_blocker.unblock():
        from core.models import AuditEntry

        audit_from = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        try:
            _root, branch, secretary, absentee = _seed()  # committed: autocommit outside any test transaction
            env["DATABASE_URL"] = _database_url()
            worker = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "orglife", "worker", "--pool=solo", "-Q", queue,
                 "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO"],
                cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            with app.connection_for_write(REDIS_URL) as conn, transaction.atomic():
                scan_compliance_task.apply_async_on_commit(kwargs={"at": date(2026, 7, 2).isoformat()}, queue=queue,
                                                           connection=conn)
                assert broker.llen(queue) == 0  # not before the commit
            deadline = time.monotonic() + 60
            flag = None
            while time.monotonic() < deadline and worker.poll() is None:
                flag = Alert.objects.filter(member=absentee, kind=Alert.Kind.MEMBER_ABSENT).first()
                if flag is not None and Notification.objects.filter(alerts=flag).exists():
                    break
                time.sleep(0.5)
            assert worker.poll() is None, "worker exited early"
            assert flag is not None, "the worker did not open the alert within 60 s"
            assert flag.level == Alert.Level.SERIOUS and flag.org_id == branch.pk and "需支部大会研究" in flag.explanation
            assert Notification.objects.filter(alerts=flag, recipient=secretary).count() == 1
        finally:
            if worker is not None:
                worker.terminate()  # SIGTERM: warm shutdown
                try:
                    output, _ = worker.communicate(timeout=30)
                except subprocess.TimeoutExpired:
                    worker.kill()
                    output, _ = worker.communicate()
                if "succeeded" not in (output or ""):
                    print(output)
            _cleanup(audit_from)
            broker.flushdb()
