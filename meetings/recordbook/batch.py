"""A 党委's (or 党总支's) branches as record books: one small task per branch-year (meetings.tasks).

    request_batch   start a batch, or join the running one of the same organization and year
    begin_batch     the items still to render (a retry renders only what is missing)
    run_item        render one branch-year into storage (a fresh stored book is reused, not rendered)
    zip_members     the (name, storage path) pairs the download streams (meetings.recordbook.zipstream)
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from branches.models import Organization
from branches.permissions import Perm, require
from branches.selectors import branches_under
from core import audit
from meetings.models import RecordBookBatch, RecordBookBatchItem, StoredBook
from meetings.recordbook.source import RecordBookError
from meetings.recordbook.store import book_filename, ensure_book

ACTIVE = (RecordBookBatch.Status.PENDING, RecordBookBatch.Status.RUNNING)
Item = RecordBookBatchItem.Status


def request_batch(*, actor, org: Organization, year: int) -> tuple[RecordBookBatch, bool]:
    """The batch of `org`'s branches for `year`, and whether the caller must enqueue it.

    Only the inspecting roles of the organization (Perm.INSPECT: 组织员, 管理员) start one. The same
    request twice shares one batch (one running batch per organization and year, a constraint); a
    failed batch is resumed rather than started again. `actor=None` is the system."""
    require(actor, Perm.INSPECT, org)
    if org.is_branch:
        raise RecordBookError("批量导出用于党委或党总支；单个党支部请直接下载记录册。")
    active = RecordBookBatch.objects.filter(org=org, year=year, status__in=ACTIVE).first()
    if active is not None:
        return active, is_stalled(active)  # a stalled batch is sent again: only its missing books render
    failed = RecordBookBatch.objects.filter(org=org, year=year).first()  # the latest (Meta.ordering)
    if failed is not None and failed.status == RecordBookBatch.Status.FAILED:
        return resume_batch(failed, actor=actor), True
    try:
        with transaction.atomic():
            batch = RecordBookBatch.objects.create(org=org, year=year, total=0,
                                                   requested_by=actor if getattr(actor, "pk", None) else None)
            _add_items(batch)
            audit.record_create(actor=actor, instance=batch)  # who asked for a 党委's books, and when
    except IntegrityError:  # a concurrent identical request won the race: share its batch
        return RecordBookBatch.objects.get(org=org, year=year, status__in=ACTIVE), False
    return batch, True


def is_stalled(batch: RecordBookBatch, now: datetime | None = None) -> bool:
    """Running (or queued) with no branch finished for RECORDBOOK_BATCH_STALL_MINUTES."""
    if batch.status not in ACTIVE:
        return False
    since = batch.progress_at or batch.created_at
    return (now or timezone.now()) - since > timedelta(minutes=settings.RECORDBOOK_BATCH_STALL_MINUTES)


def _add_items(batch: RecordBookBatch) -> None:
    branch_ids = list(branches_under(batch.org).order_by("path").values_list("pk", flat=True))
    RecordBookBatchItem.objects.bulk_create(RecordBookBatchItem(batch=batch, branch_id=b) for b in branch_ids)
    RecordBookBatch.objects.filter(pk=batch.pk).update(total=len(branch_ids))
    batch.total = len(branch_ids)


def resume_batch(batch: RecordBookBatch, *, actor=None) -> RecordBookBatch:
    """Put a failed batch back in the queue: its failed items become pending, the done ones stay."""
    before = audit.snapshot(batch)
    with transaction.atomic():
        batch.items.filter(status=Item.FAILED).update(status=Item.PENDING, error="")
        RecordBookBatch.objects.filter(pk=batch.pk).update(status=RecordBookBatch.Status.PENDING, error="",
                                                           finished_at=None)
        batch.refresh_from_db()
        audit.record_update(actor=actor, instance=batch, before=before)
    return batch


def begin_batch(batch_id: int) -> list[int]:
    """Mark the batch running and return the branches whose books are still to render."""
    batch = RecordBookBatch.objects.select_related("org").get(pk=batch_id)
    if batch.status not in ACTIVE:
        return []
    if not batch.items.exists():  # a batch made before items existed (or by hand): list its branches now
        _add_items(batch)
    RecordBookBatch.objects.filter(pk=batch_id, status__in=ACTIVE).update(status=RecordBookBatch.Status.RUNNING,
                                                                          progress_at=timezone.now())
    pending = list(batch.items.exclude(status=Item.DONE).order_by("pk").values_list("branch_id", flat=True))
    if not pending:
        _record_progress(batch_id)
    return pending


def run_item(*, batch_id: int, branch_id: int, now: datetime | None = None) -> bool:
    """Render one branch-year of the batch into storage; True when a PDF was rendered (not reused).

    Safe to run twice (a redelivered task): a done item is left alone."""
    item = RecordBookBatchItem.objects.select_related("batch", "branch").get(batch_id=batch_id, branch_id=branch_id)
    if item.status == Item.DONE:
        return False
    try:
        book, rendered = ensure_book(branch=item.branch, year=item.batch.year, now=now)
    except Exception as exc:
        RecordBookBatchItem.objects.filter(pk=item.pk).update(status=Item.FAILED, error=str(exc)[:500])
        _record_progress(batch_id)
        raise
    # Codes keep names unique inside the zip even when two branches share a name.
    RecordBookBatchItem.objects.filter(pk=item.pk).update(
        status=Item.DONE, file=book.file, name=f"{item.branch.code}-{book_filename(item.branch, item.batch.year)}",
        error="")
    _record_progress(batch_id)
    return rendered


def _record_progress(batch_id: int) -> None:
    """Write done/total; the last item to finish closes the batch (done, or failed if any item failed)."""
    counts = RecordBookBatchItem.objects.filter(batch_id=batch_id).aggregate(
        total=Count("pk"), done=Count("pk", filter=Q(status=Item.DONE)), failed=Count("pk", filter=Q(status=Item.FAILED)))
    RecordBookBatch.objects.filter(pk=batch_id).update(done=counts["done"], progress_at=timezone.now())
    if counts["done"] + counts["failed"] < counts["total"]:
        return
    if counts["failed"]:
        RecordBookBatch.objects.filter(pk=batch_id, status__in=ACTIVE).update(
            status=RecordBookBatch.Status.FAILED, finished_at=timezone.now(),
            error=f"{counts['failed']}个党支部的记录册生成失败，可点击“继续生成”只重做这些党支部。")
    else:
        RecordBookBatch.objects.filter(pk=batch_id, status__in=ACTIVE).update(
            status=RecordBookBatch.Status.DONE, finished_at=timezone.now(), error="")


def zip_members(batch: RecordBookBatch) -> list[tuple[str, str]]:
    """(name in the zip, storage path) of every item, in the tree's order. An item whose file a newer
    render superseded is served from the branch's current stored book (newer records, same branch)."""
    items = list(batch.items.filter(status=Item.DONE).order_by("pk").values_list("branch_id", "name", "file"))
    current = dict(StoredBook.objects.filter(year=batch.year, branch_id__in=[b for b, _, _ in items])
                   .values_list("branch_id", "file"))
    members = []
    for branch_id, name, path in items:
        if not default_storage.exists(path):
            path = current.get(branch_id, "")
            if not path or not default_storage.exists(path):
                raise RecordBookError("部分记录册文件已不存在，请重新生成本批次。")
        members.append((name, path))
    return members


def run_batch(*, batch_id: int, now: datetime | None = None) -> RecordBookBatch:
    """Every pending item of the batch in this process, one after another (the command line and tests;
    the web's batches run as one task per item, meetings.tasks.render_recordbook_batch)."""
    for branch_id in begin_batch(batch_id):
        run_item(batch_id=batch_id, branch_id=branch_id, now=now)
    return RecordBookBatch.objects.get(pk=batch_id)


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
