"""The record book (《基层党支部活动情况记录册》): one branch-year as a PDF, a 党委's branches as a zip."""

from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from branches.access import org_page, record_page
from branches.models import Organization
from branches.permissions import Perm, orgs_where
from meetings.models import RecordBookBatch
from meetings.recordbook import record_book_pdf, request_batch
from meetings.tasks import enqueue_batch

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
    return render(request, "meetings/recordbook_page.html", context)


@org_page(Perm.VIEW, kind=Organization.Kind.BRANCH)
def recordbook_pdf(request, branch, year):
    rendered = record_book_pdf(branch=branch, year=_book_year(year))
    response = HttpResponse(rendered.pdf, content_type="application/pdf")
    # RFC 5987 filename* for the Chinese name, with an ASCII fallback for old clients.
    response["Content-Disposition"] = content_disposition_header(True, rendered.filename)
    return response


@org_page(Perm.VIEW)
@require_POST
def recordbook_batch_create(request, org):
    if org.is_branch:
        raise Http404("批量导出用于党委或党总支")
    batch = request_batch(actor=request.user, org=org, year=_book_year(request.POST.get("year")))
    enqueue_batch(batch.pk)
    return redirect("recordbook-batch", pk=batch.pk)


def _progress(batch) -> dict:
    done = batch.status == RecordBookBatch.Status.DONE and batch.file
    return {"status": batch.status, "status_label": batch.get_status_display(), "done": batch.done,
            "total": batch.total, "percent": batch.percent, "error": batch.error,
            "download_url": reverse("recordbook-batch-download", args=[batch.pk]) if done else None}


@record_page(Perm.VIEW, load=_visible_batches, org=lambda batch: batch.org)
def recordbook_batch(request, batch):
    return render(request, "meetings/recordbook_batch.html", {"batch": batch, "progress": _progress(batch)})


@record_page(Perm.VIEW, load=_visible_batches, org=lambda batch: batch.org)
def recordbook_batch_progress(request, batch):
    return JsonResponse(_progress(batch))


@record_page(Perm.VIEW, load=_visible_batches, org=lambda batch: batch.org)
def recordbook_batch_download(request, batch):
    if batch.status != RecordBookBatch.Status.DONE or not batch.file:
        raise Http404("压缩包尚未生成")
    name = f"{batch.org.name}{batch.year}年度党支部活动情况记录册.zip"
    return FileResponse(batch.file.open("rb"), as_attachment=True, filename=name, content_type="application/zip")
