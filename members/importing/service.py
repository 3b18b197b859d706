"""The import service (preview, commit) and the upload flow of the page, admin and Celery task."""

import logging
from datetime import date, timedelta
from pathlib import Path

from django.db import IntegrityError, transaction
from django.utils import timezone

from core import audit
from core.bulk import bulk_insert
from core.models import AuditEntry
from core.signals import announce_branch_change
from members.importing.files import (
    BATCH_SIZE,
    ERROR_LIMIT,
    Outcome,
    ParsedRoster,
    Progress,
    RosterImportError,
    RowError,
    UnreadableFile,
    parse_roster,
)
from members.importing.rows import Plan, scan_roster
from members.models import Member, Membership, RosterImport
from members.services import Move, move_memberships

log = logging.getLogger(__name__)
INTERNAL_ERROR = "导入时发生内部错误，未写入任何数据。请稍后重试或联系管理员。"
STALE_MESSAGE = "导入任务超时或被中断，未写入任何数据。请重新上传文件。"

# --------------------------------------------------------------------------- the service


def preview_roster(*, actor, roster: ParsedRoster, system: bool = False, today: date | None = None,
                   progress: Progress | None = None) -> Outcome:
    """What committing would do, and every row error. Reads only.

    `system=True` is the command line's import: no user scope, every branch.
    """
    outcome, _ = scan_roster(roster, actor=actor, system=system, today=today or timezone.localdate(), lock=False,
                       with_snapshots=False, progress=progress)
    return outcome


def commit_roster(*, actor, roster: ParsedRoster, system: bool = False, today: date | None = None,
                  progress: Progress | None = None) -> Outcome:
    """Check every row again and write them all in one transaction, or raise RosterImportError and write nothing."""
    today = today or timezone.localdate()
    try:
        with transaction.atomic():
            outcome, plan = scan_roster(roster, actor=actor, system=system, today=today, lock=True, with_snapshots=True,
                                  progress=progress)
            if outcome.errors:
                raise RosterImportError(outcome.errors, outcome)
            if progress:
                progress(outcome.total, outcome.total, "write")
            _write(plan, actor=actor, today=today)
    except IntegrityError as exc:
        # Someone registered one of these numbers between our check and our insert.
        raise RosterImportError([RowError(0, "", "导入期间名册被他人修改（公民身份号码重复），请重新导入。")]) from exc
    outcome.committed = True
    return outcome


def _write(plan: Plan, *, actor, today: date) -> None:
    now = timezone.now()
    new_members = []
    for row, member in plan.new:
        member.set_id_number(row.id_number)
        new_members.append(member)
    bulk_insert(Member, new_members, batch_size=BATCH_SIZE)
    bulk_insert(Membership, [Membership(member=m, branch_id=m.branch_id, started_on=m.joined_on,
                                        reason=Membership.Reason.IMPORT) for m in new_members], batch_size=BATCH_SIZE)

    updated = [member for _, member, _ in plan.updated]
    if updated:
        for member in updated:
            member.updated_at = now  # bulk_update skips auto_now
        Member.objects.bulk_update(updated, sorted(plan.update_fields | {"updated_at"}), batch_size=500)
    if plan.moved:
        refused = move_memberships([Move(m, m.branch, None) for _, m in plan.moved], on=today,
                                   reason=Membership.Reason.IMPORT)
        if refused:  # the same rule as the transfer form: raise, and the whole import is rolled back
            raise RosterImportError([RowError(row.number, "", refused[m.pk]) for row, m in plan.moved
                                     if m.pk in refused])

    audit.record_many(actor=actor, action=AuditEntry.Action.CREATE, source="import",
                      items=((m, audit.snapshot(m)) for m in new_members))
    audit.record_many(actor=actor, action=AuditEntry.Action.UPDATE, source="import",
                      items=((m, audit.diff(before, audit.snapshot(m))) for _, m, before in plan.updated))
    announce_branch_change({m.branch_id for m in new_members} | {m.branch_id for _, m, _ in plan.updated}
                           | {before.get("branch") for _, _, before in plan.updated} | {m.branch_id for _, m in plan.moved})


# --------------------------------------------------------------------------- uploads (page, admin, Celery)


def start_import(*, actor, content: bytes, filename: str):
    """Keep an upload for preview and confirmation; the caller runs check_import (now or in a worker)."""
    record = RosterImport(created_by=actor, filename=Path(filename).name[:200])
    record.set_upload(content)
    record.save()
    return record


def _progress_saver(record_id: int, *, start: int, end: int) -> Progress:
    """Progress the page polls; written outside the import's transaction so it is visible at once."""
    def save(done: int, total: int, stage: str) -> None:
        percent = start + (end - start) * done // max(total, 1)
        RosterImport.objects.filter(pk=record_id).update(progress=percent)

    return save


def _store_outcome(record, outcome: Outcome) -> None:
    record.counts = outcome.counts()
    record.errors = [e.as_dict() for e in outcome.errors[:ERROR_LIMIT]]
    record.notices = outcome.notices
    record.preview = outcome.changes


def check_import(*, roster_import_id: int):
    """Preview an upload and record the counts and errors. Safe to run twice."""
    record = RosterImport.objects.select_related("created_by").get(pk=roster_import_id)
    if record.status != RosterImport.Status.CHECKING:
        return record  # a redelivered task: already checked
    failed = False
    try:
        roster = parse_roster(record.get_upload(), record.filename)
        outcome = preview_roster(actor=record.created_by, roster=roster,
                                 progress=_progress_saver(record.pk, start=5, end=95))
    except UnreadableFile as exc:  # refused or crashed the reader: failed, not merely invalid
        outcome, failed = Outcome(errors=exc.errors), True
    except RosterImportError as exc:
        outcome = exc.outcome or Outcome(errors=exc.errors)
    except Exception:
        log.exception("roster import %s: check failed", roster_import_id)
        outcome, failed = Outcome(errors=[RowError(0, "", INTERNAL_ERROR)]), True
    _store_outcome(record, outcome)
    if failed:
        record.status = RosterImport.Status.FAILED
    else:
        record.status = RosterImport.Status.READY if outcome.ok else RosterImport.Status.INVALID
    record.progress = 100
    if not outcome.ok:
        record.upload = b""  # nothing more will be done with it
        record.finished_at = timezone.now()
    record.save()
    return record


def confirm_import(*, roster_import) -> bool:
    """READY → QUEUED, once: a double-click or a second tab does not import twice."""
    return bool(RosterImport.objects.filter(pk=roster_import.pk, status=RosterImport.Status.READY)
                .update(status=RosterImport.Status.QUEUED, progress=0))


def cancel_import(*, roster_import) -> bool:
    """取消 after the preview: READY (or INVALID) → CANCELLED once, the upload wiped (it holds full ID
    numbers); a confirmed import can no longer be cancelled."""
    return bool(RosterImport.objects.filter(pk=roster_import.pk, status__in=[RosterImport.Status.READY,
                                                                             RosterImport.Status.INVALID])
                .update(status=RosterImport.Status.CANCELLED, upload=b"", finished_at=timezone.now()))


def commit_import(*, roster_import_id: int):
    """Commit a confirmed upload. The status moves to DONE in the same transaction as the rows, so a
    second delivery finds it done and does nothing. The task is not redelivered when its worker dies
    (members.tasks: a file that killed one worker would kill the next); `fail_stale_imports` marks
    such a row failed, with nothing written."""
    with transaction.atomic():
        record = RosterImport.objects.select_for_update(of=("self",)).select_related("created_by").get(pk=roster_import_id)
        if record.status != RosterImport.Status.QUEUED:
            return record
        try:
            outcome = commit_roster(actor=record.created_by, roster=parse_roster(record.get_upload(), record.filename))
            record.status = RosterImport.Status.DONE
        except RosterImportError as exc:  # the roster changed since the preview, or the user's scope did
            outcome = exc.outcome or Outcome(errors=exc.errors)
            record.status = RosterImport.Status.FAILED
        except Exception:
            log.exception("roster import %s failed", roster_import_id)
            outcome = Outcome(errors=[RowError(0, "", INTERNAL_ERROR)])
            record.status = RosterImport.Status.FAILED
        _store_outcome(record, outcome)
        record.progress = 100
        record.upload = b""  # it holds full ID numbers: keep it no longer than needed
        record.finished_at = timezone.now()
        record.save()
    return record


def fail_stale_imports(*, now, older_than_minutes: int) -> int:
    """Imports stuck in a running state longer than any task may run (a worker died, the broker lost the
    message) are marked failed, with their encrypted upload wiped. Safe to run twice: a conditional UPDATE."""
    cutoff = now - timedelta(minutes=older_than_minutes)
    running = (RosterImport.Status.CHECKING, RosterImport.Status.QUEUED, RosterImport.Status.IMPORTING)
    return RosterImport.objects.filter(status__in=running, created_at__lt=cutoff).update(
        status=RosterImport.Status.FAILED, upload=b"", progress=100, finished_at=now,
        errors=[RowError(0, "", STALE_MESSAGE).as_dict()])


def publish_failed(*, roster_import_id: int, confirming: bool) -> None:
    """The broker refused the task: a check is failed (upload again); a confirmation goes back to READY,
    so the person can confirm again once the service is back."""
    message = "后台任务服务暂时不可用，文件未能处理，未写入任何数据。请稍后重试。"
    if confirming:
        record = RosterImport.objects.filter(pk=roster_import_id, status=RosterImport.Status.QUEUED).first()
        if record is not None:
            notice = "后台任务服务暂时不可用，名册尚未导入。请稍后再点“确认导入”。"
            RosterImport.objects.filter(pk=record.pk, status=RosterImport.Status.QUEUED).update(
                status=RosterImport.Status.READY, progress=0, notices=[notice, *[n for n in record.notices if n != notice]])
        return
    RosterImport.objects.filter(pk=roster_import_id, status=RosterImport.Status.CHECKING).update(
        status=RosterImport.Status.FAILED, upload=b"", progress=100, finished_at=timezone.now(),
        errors=[RowError(0, "", message).as_dict()])
