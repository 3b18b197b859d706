"""Issue 11, point 7 (record-book batches): with the broker down, requesting a batch answered 500 and
left the row `pending` forever. Now the row is failed with a Chinese message (ask again to retry), and
a periodic sweeper fails rows stuck beyond the task time limit."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings import tasks
from meetings.models import RecordBookBatch
from meetings.recordbook.batch import fail_stale_batches

pytestmark = pytest.mark.django_db


def _broker_down(*args, **kwargs):
    from kombu.exceptions import OperationalError

    raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


def test_broker_down_fails_the_batch_instead_of_500(client, tree, organizer, monkeypatch,
                                                    django_capture_on_commit_callbacks):
    monkeypatch.setattr(tasks.render_recordbook_batch, "delay", _broker_down)
    client.force_login(organizer)  # the 党委's inspecting role starts batches
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("recordbook-batch-create", args=["D1"]), {"year": 2026})
    batch = RecordBookBatch.objects.get()
    assert response.status_code == 302
    assert batch.status == RecordBookBatch.Status.FAILED and "后台任务服务暂时不可用" in batch.error
    progress = client.get(reverse("recordbook-batch-progress", args=[batch.pk])).json()
    assert progress["status"] == "failed" and "稍后重新申请" in progress["error"]


def test_stale_batches_are_failed_once_and_fresh_ones_left_alone(tree):
    now = timezone.now()
    # one active batch per organization and year: three years
    stale = RecordBookBatch.objects.create(org=tree["d1"], year=2026, created_at=now - timedelta(minutes=46))
    running = RecordBookBatch.objects.create(org=tree["d1"], year=2025, status=RecordBookBatch.Status.RUNNING,
                                             created_at=now - timedelta(hours=3))
    fresh = RecordBookBatch.objects.create(org=tree["d1"], year=2024, created_at=now - timedelta(minutes=44))
    assert fail_stale_batches(now=now, older_than_minutes=45) == 2
    assert fail_stale_batches(now=now, older_than_minutes=45) == 0
    statuses = dict(RecordBookBatch.objects.values_list("pk", "status"))
    assert statuses == {stale.pk: "failed", running.pk: "failed", fresh.pk: "pending"}
