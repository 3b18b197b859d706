"""The record book (《基层党支部活动情况记录册》): one branch-year as a PDF, a 党委's branches as a zip."""

import time

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from branches.access import org_page, record_page
from branches.models import Organization
from branches.permissions import Perm, has_perm, orgs_where
from meetings.models import RecordBookBatch
from meetings.recordbook import RecordBookError, request_batch
from meetings.recordbook.batch import is_stalled, zip_members
from meetings.recordbook.store import book_filename, fresh_book, render_lock_key
from meetings.recordbook.version import book_version
from meetings.recordbook.zipstream import stream_zip
from meetings.tasks import enqueue_batch, render_book

BOOK_YEARS = range(2000, 2101)


def _book_year(value) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        raise Http404("年度无效") from None
    if year not in BOOK_YEARS:
        raise Http404("年度无效")
    return year


def _visible_batches(user):
    """Batches of organizations whose records the user may read (outsiders: 404)."""
    return RecordBookBatch.objects.filter(org__in=orgs_where(user, Perm.VIEW)).select_related("org")


@org_page(Perm.VIEW)
def recordbook_page(request, org):
    """A branch: pick a year and download; a 党委/党总支: the batch zip of all its branches, with progress."""
    this_year = timezone.localdate().year
    context = {"org": org, "years": range(this_year, this_year - 6, -1), "this_year": this_year}
    if not org.is_branch:
        context["batches"] = org.recordbook_batches.all()[:10]
        context["may_start"] = has_perm(request.user, Perm.INSPECT, org)
    return render(request, "meetings/recordbook_page.html", context)


def _book_state(branch, year) -> tuple:
    """(stored book or None, version key): the key is computed once per request."""
    version = book_version(branch=branch, year=year, now=timezone.now())
    return fresh_book(branch=branch, year=year, now=timezone.now(), version=version), version


@org_page(Perm.VIEW, kind=Organization.Kind.BRANCH)
def recordbook_pdf(request, branch, year):
    """A fresh stored book is sent at once; a stale or missing one goes to a worker (queue "pdf") while
    this page shows progress and reloads into the PDF (never rendered in the web process)."""
    year = _book_year(year)
    book, version = _book_state(branch, year)
    if book is not None:
        return FileResponse(default_storage.open(book.file, "rb"), as_attachment=True,
                            filename=book_filename(branch, year), content_type="application/pdf")
    # One render per branch-year and version in flight, whoever asks; only a new render counts against
    # the user's hourly allowance.
    lock = render_lock_key(branch.pk, year, version)
    if cache.add(lock, 1, timeout=RENDER_LOCK_SECONDS):
        if not _within_render_rate(request.user):
            cache.delete(lock)
            return render(request, "meetings/recordbook_wait.html", {
                "org": branch, "year": year, "refused": True,
                "limit": settings.RECORDBOOK_RENDERS_PER_HOUR}, status=429)
        render_book.delay_on_commit(branch.pk, year)
    return render(request, "meetings/recordbook_wait.html", {"org": branch, "year": year}, status=202)


@org_page(Perm.VIEW, kind=Organization.Kind.BRANCH)
def recordbook_pdf_status(request, branch, year):
    year = _book_year(year)
    book, _ = _book_state(branch, year)
    return JsonResponse({"ready": book is not None, "pages": book.pages if book else None,
                         "url": reverse("recordbook-pdf", args=[branch.code, year])})


RENDER_LOCK_SECONDS = 10 * 60


def _within_render_rate(user) -> bool:
    """At most RECORDBOOK_RENDERS_PER_HOUR new renders per user per clock hour (a counter in the cache)."""
    key = f"recordbook:renders:{user.pk}:{int(time.time() // 3600)}"
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=3600)
        count = 1
    return count <= settings.RECORDBOOK_RENDERS_PER_HOUR


@org_page(Perm.VIEW)
@require_POST
def recordbook_batch_create(request, org):
    """Only the inspecting roles of the 党委 (403 for a viewer); the same request again joins the running
    batch of the organization and year."""
    if org.is_branch:
        raise Http404("批量导出用于党委或党总支")
    batch, enqueue = request_batch(actor=request.user, org=org, year=_book_year(request.POST.get("year")))
    if enqueue:
        enqueue_batch(batch.pk)
    return redirect("recordbook-batch", pk=batch.pk)


@record_page(Perm.INSPECT, load=_visible_batches, org=lambda batch: batch.org)
@require_POST
def recordbook_batch_resume(request, batch):
    """A failed (or stalled) batch again: only its missing branch-years are rendered."""
    batch, enqueue = request_batch(actor=request.user, org=batch.org, year=batch.year)
    if enqueue:
        enqueue_batch(batch.pk)
    return redirect("recordbook-batch", pk=batch.pk)


def _progress(batch) -> dict:
    done = batch.status == RecordBookBatch.Status.DONE
    return {"status": batch.status, "status_label": batch.get_status_display(), "done": batch.done,
            "total": batch.total, "percent": batch.percent, "error": batch.error,
            "download_url": reverse("recordbook-batch-download", args=[batch.pk]) if done else None}


@record_page(Perm.VIEW, load=_visible_batches, org=lambda batch: batch.org)
def recordbook_batch(request, batch):
    return render(request, "meetings/recordbook_batch.html", {
        "batch": batch, "progress": _progress(batch), "stalled": is_stalled(batch),
        "may_resume": has_perm(request.user, Perm.INSPECT, batch.org)})


@record_page(Perm.VIEW, load=_visible_batches, org=lambda batch: batch.org)
def recordbook_batch_progress(request, batch):
    return JsonResponse(_progress(batch))


@record_page(Perm.VIEW, load=_visible_batches, org=lambda batch: batch.org)
def recordbook_batch_download(request, batch):
    """The zip streamed from the stored books, member by member (never built in memory)."""
    if batch.status != RecordBookBatch.Status.DONE:
        raise Http404("压缩包尚未生成")
    name = f"{batch.org.name}{batch.year}年度党支部活动情况记录册.zip"
    if batch.file and not batch.items.exists():  # a zip made before the books were stored one by one
        return FileResponse(batch.file.open("rb"), as_attachment=True, filename=name, content_type="application/zip")
    try:
        members = zip_members(batch)
    except RecordBookError as exc:
        return render(request, "meetings/recordbook_batch.html",
                      {"batch": batch, "progress": {**_progress(batch), "download_url": None, "error": exc.message}},
                      status=410)
    response = StreamingHttpResponse(stream_zip(members, default_storage), content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
