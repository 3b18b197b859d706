"""A 党委's (or 党总支's) branches as one zip of record books, rendered by a worker (meetings.tasks)."""

import io
import zipfile
from datetime import datetime, timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from branches.models import Organization
from branches.selectors import branches_under
from meetings.models import RecordBookBatch
from meetings.recordbook.pdf import record_book_pdf
from meetings.recordbook.source import RecordBookError


def request_batch(*, actor, org: Organization, year: int) -> RecordBookBatch:
    """The progress record of a new batch; the caller enqueues meetings.tasks.render_recordbook_batch
    (on commit), as the roster import's page does with its tasks."""
    if org.is_branch:
        raise RecordBookError("批量导出用于党委或党总支；单个党支部请直接下载记录册。")
    return RecordBookBatch.objects.create(org=org, year=year, requested_by=actor if getattr(actor, "pk", None) else None,
                                          total=branches_under(org).count())


def run_batch(*, batch_id: int, now: datetime | None = None) -> RecordBookBatch:
    """Render every branch under the batch's organization into one zip under MEDIA_ROOT.

    Safe to run twice (Redis may redeliver): a finished batch is left alone, an unfinished one
    starts over. Progress is written after each branch so the page can poll it.
    """
    batch = RecordBookBatch.objects.select_related("org").get(pk=batch_id)
    if batch.status == RecordBookBatch.Status.DONE:
        return batch
    branches = list(branches_under(batch.org).select_related("parent").order_by("path"))
    RecordBookBatch.objects.filter(pk=batch.pk).update(status=RecordBookBatch.Status.RUNNING, total=len(branches),
                                                       done=0, error="")
    buffer = io.BytesIO()
    try:
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for i, branch in enumerate(branches, 1):
                rendered = record_book_pdf(branch=branch, year=batch.year, now=now)
                # Codes keep names unique inside the zip even when two branches share a name.
                archive.writestr(f"{branch.code}-{rendered.filename}", rendered.pdf)
                RecordBookBatch.objects.filter(pk=batch.pk).update(done=i)
    except Exception as exc:
        RecordBookBatch.objects.filter(pk=batch.pk).update(status=RecordBookBatch.Status.FAILED,
                                                           error=str(exc)[:500], finished_at=timezone.now())
        raise
    batch.refresh_from_db()
    if batch.file:
        batch.file.delete(save=False)
    batch.file.save(f"{batch.org.code}-{batch.year}-{batch.pk}.zip", ContentFile(buffer.getvalue()), save=False)
    batch.status, batch.finished_at = RecordBookBatch.Status.DONE, timezone.now()
    batch.save(update_fields=["file", "status", "finished_at"])
    return batch


UNAVAILABLE = "后台任务服务暂时不可用，未能开始生成，请稍后重新申请。"
STALE = "生成超时或被中断，请重新申请。"


def publish_failed(*, batch_id: int) -> None:
    """The broker refused the task: the batch is failed with a message, and a new request retries."""
    RecordBookBatch.objects.filter(pk=batch_id, status=RecordBookBatch.Status.PENDING).update(
        status=RecordBookBatch.Status.FAILED, error=UNAVAILABLE, finished_at=timezone.now())


def fail_stale_batches(*, now: datetime, older_than_minutes: int) -> int:
    """Batches still pending or running long after any task may run (a lost message, a dead worker) are
    failed, so their page stops polling and says to ask again. A conditional UPDATE: safe to run twice."""
    cutoff = now - timedelta(minutes=older_than_minutes)
    return RecordBookBatch.objects.filter(
        status__in=[RecordBookBatch.Status.PENDING, RecordBookBatch.Status.RUNNING], created_at__lt=cutoff,
    ).update(status=RecordBookBatch.Status.FAILED, error=STALE, finished_at=now)
