"""A real `celery -A orglife worker` on Redis renders a small batch of record books end to end: the
dispatcher fans out a group of one task per branch-year, each writes its PDF to the shared storage
folder, the last closes the batch, and the zip streams from the stored files (stack-notes §3.3: eager
mode is an emulation, not a test).

As in tests/inspections/test_worker.py, the worker is another process and must see committed rows:
this test commits its own rows and deletes exactly those afterwards. Its queue name is unique, and
only that key is removed from Redis (other helpers may share the server)."""

import io
import os
import subprocess
import sys
import time
import uuid
import zipfile
from pathlib import Path

import pytest
import redis
from django.db import connection

from branches.models import Organization, Role
from meetings.models import Meeting, RecordBookBatch, StoredBook
from meetings.recordbook.batch import request_batch, zip_members
from meetings.recordbook.zipstream import stream_zip
from members.models import Member
from orglife.celery import app
from tests.factories import UserFactory, make_member, make_org
from tests.inspections.conftest import local

pytestmark = pytest.mark.celery_worker
REDIS_URL = os.environ.get("CELERY_TEST_REDIS_URL") or os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/12"
ROOT = Path(__file__).resolve().parents[2]
YEAR = 2025


def _database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _seed():
    from branches import services as branch_services
    from meetings import services as meeting_services

    root = make_org("BKW", kind=Organization.Kind.PARTY_COMMITTEE, name="记录册测试区委")
    organizer = UserFactory(username="book_worker_organizer")
    branch_services.assign_role(actor=None, user=organizer, role=Role.ORGANIZER, org=root)
    for i in range(1, 4):
        branch = make_org(f"BKW-{i}", parent=root, name=f"记录册测试第{i}党支部")
        make_member(branch, name=f"党员{i}")
        meeting_services.record_meeting(actor=None, branch=branch, kinds=["theme_day"], topic=f"第{i}次主题党日",
                                        held_at=local(YEAR, 3, 10, 9), now=local(YEAR, 3, 10, 12))
    return root, organizer


def _cleanup(audit_from: int, media: Path):
    from django.contrib.auth import get_user_model

    from core.models import AuditEntry

    orgs = Organization.objects.filter(code__startswith="BKW")
    RecordBookBatch.objects.filter(org__in=orgs).delete()
    StoredBook.objects.filter(branch__in=orgs).delete()
    Meeting.objects.filter(branch__in=orgs).delete()
    Member.objects.filter(branch__in=orgs).delete()
    get_user_model().objects.filter(username="book_worker_organizer").delete()
    for org in orgs.order_by("-depth"):
        org.delete()
    AuditEntry.objects.filter(pk__gt=audit_from).delete()


def test_a_real_worker_renders_a_small_batch_end_to_end(django_db_setup, django_db_blocker, settings, tmp_path):
    from meetings.tasks import render_recordbook_batch

    broker = redis.Redis.from_url(REDIS_URL)
    queue = f"orglife-books-{uuid.uuid4().hex[:8]}"
    settings.MEDIA_ROOT = tmp_path / "var" / "media"  # the worker's ORGLIFE_VAR_DIR/media: shared storage
    env = {**os.environ, "REDIS_URL": REDIS_URL, "CELERY_BROKER_URL": REDIS_URL, "CELERY_PDF_QUEUE": queue,
           "ORGLIFE_VAR_DIR": str(tmp_path / "var"), "DJANGO_SETTINGS_MODULE": "orglife.settings"}
    worker = None
    with django_db_blocker.unblock():
        from core.models import AuditEntry

        audit_from = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        try:
            root, organizer = _seed()
            env["DATABASE_URL"] = _database_url()
            worker = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "orglife", "worker", "--pool=prefork", "--concurrency=2",
                 "-Q", queue, "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO"],
                cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            batch, enqueue = request_batch(actor=organizer, org=root, year=YEAR)
            assert enqueue and batch.total == 3
            with app.connection_for_write(REDIS_URL) as conn:
                render_recordbook_batch.apply_async((batch.pk,), queue=queue, connection=conn)
            deadline = time.monotonic() + 120
            seen_progress = set()
            while time.monotonic() < deadline and worker.poll() is None:
                batch.refresh_from_db()
                seen_progress.add(batch.done)
                if batch.finished:
                    break
                time.sleep(0.3)
            assert worker.poll() is None, "worker exited early"
            assert batch.status == RecordBookBatch.Status.DONE, f"batch not done within 120 s: {batch.status} {batch.error}"
            assert batch.done == 3 and batch.finished_at is not None
            books = StoredBook.objects.filter(branch__parent=root, year=YEAR)
            assert books.count() == 3 and all(b.pages >= 2 for b in books)
            archive = zipfile.ZipFile(io.BytesIO(b"".join(stream_zip(zip_members(batch), _storage()))))
            assert sorted(n.split("-")[1] for n in archive.namelist()) == ["1", "2", "3"]
            assert all(archive.read(n).startswith(b"%PDF") for n in archive.namelist())
        finally:
            if worker is not None:
                worker.terminate()
                try:
                    output, _ = worker.communicate(timeout=30)
                except subprocess.TimeoutExpired:
                    worker.kill()
                    output, _ = worker.communicate()
                if "succeeded" not in (output or ""):
                    print(output)
            _cleanup(audit_from, tmp_path)
            broker.delete(queue)


def _storage():
    from django.core.files.storage import default_storage

    return default_storage
