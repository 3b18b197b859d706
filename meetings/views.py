from django.contrib.auth.decorators import login_required  # noqa: F401

# --- Record book (《基层党支部活动情况记录册》) ------------------------------------------------------
# Imports stay inside this block (aliased) so it merges cleanly with the views above it.
_BOOK_YEARS = range(2000, 2101)

from django.contrib.auth.decorators import login_required as _login_required  # noqa: E402
from django.core.exceptions import PermissionDenied as _PermissionDenied  # noqa: E402
from django.http import FileResponse as _FileResponse  # noqa: E402
from django.http import Http404 as _Http404  # noqa: E402
from django.http import HttpResponse as _HttpResponse  # noqa: E402
from django.http import JsonResponse as _JsonResponse  # noqa: E402
from django.shortcuts import get_object_or_404 as _get_object_or_404  # noqa: E402
from django.shortcuts import redirect as _redirect  # noqa: E402
from django.shortcuts import render as _render  # noqa: E402
from django.urls import reverse as _reverse  # noqa: E402
from django.utils import timezone as _timezone  # noqa: E402
from django.utils.http import content_disposition_header as _content_disposition  # noqa: E402
from django.views.decorators.http import require_POST as _require_POST  # noqa: E402

from branches.permissions import Perm as _Perm  # noqa: E402
from branches.permissions import has_perm as _has_perm  # noqa: E402
from branches.selectors import visible_orgs as _visible_orgs  # noqa: E402
from meetings import recordbook as _recordbook  # noqa: E402
from meetings.models import RecordBookBatch as _RecordBookBatch  # noqa: E402


def _book_org(user, code):
    """404 for what the user may not open (an outsider); 403 for a member who sees the branch but not its books."""
    org = _get_object_or_404(_visible_orgs(user), code=code)
    if not _has_perm(user, _Perm.VIEW, org):
        raise _PermissionDenied
    return org


def _book_year(value) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        raise _Http404("年度无效") from None
    if year not in _BOOK_YEARS:
        raise _Http404("年度无效")
    return year


@_login_required
def recordbook_page(request, code):
    """A branch: pick a year and download; a 党委/党总支: the batch zip of all its branches, with progress."""
    org = _book_org(request.user, code)
    this_year = _timezone.localdate().year
    context = {"org": org, "years": range(this_year, this_year - 6, -1), "this_year": this_year}
    if not org.is_branch:
        context["batches"] = org.recordbook_batches.all()[:10]
    return _render(request, "meetings/recordbook_page.html", context)


@_login_required
def recordbook_pdf(request, code, year):
    org = _book_org(request.user, code)
    if not org.is_branch:
        raise _Http404("记录册按党支部生成")
    rendered = _recordbook.record_book_pdf(branch=org, year=_book_year(year))
    response = _HttpResponse(rendered.pdf, content_type="application/pdf")
    # RFC 5987 filename* for the Chinese name, with an ASCII fallback for old clients.
    response["Content-Disposition"] = _content_disposition(True, rendered.filename)
    return response


@_login_required
@_require_POST
def recordbook_batch_create(request, code):
    org = _book_org(request.user, code)
    if org.is_branch:
        raise _Http404("批量导出用于党委或党总支")
    batch = _recordbook.request_batch(actor=request.user, org=org, year=_book_year(request.POST.get("year")))
    return _redirect("recordbook-batch", pk=batch.pk)


def _batch_or_404(user, pk) -> _RecordBookBatch:
    batch = _get_object_or_404(_RecordBookBatch.objects.select_related("org"), pk=pk)
    if not _has_perm(user, _Perm.VIEW, batch.org):
        raise _Http404
    return batch


def _progress(batch) -> dict:
    done = batch.status == _RecordBookBatch.Status.DONE and batch.file
    return {"status": batch.status, "status_label": batch.get_status_display(), "done": batch.done,
            "total": batch.total, "percent": batch.percent, "error": batch.error,
            "download_url": _reverse("recordbook-batch-download", args=[batch.pk]) if done else None}


@_login_required
def recordbook_batch(request, pk):
    batch = _batch_or_404(request.user, pk)
    return _render(request, "meetings/recordbook_batch.html", {"batch": batch, "progress": _progress(batch)})


@_login_required
def recordbook_batch_progress(request, pk):
    return _JsonResponse(_progress(_batch_or_404(request.user, pk)))


@_login_required
def recordbook_batch_download(request, pk):
    batch = _batch_or_404(request.user, pk)
    if batch.status != _RecordBookBatch.Status.DONE or not batch.file:
        raise _Http404("压缩包尚未生成")
    name = f"{batch.org.name}{batch.year}年度党支部活动情况记录册.zip"
    return _FileResponse(batch.file.open("rb"), as_attachment=True, filename=name, content_type="application/zip")


@_login_required
def meeting_record_docx(request, pk):
    """One meeting's record as .docx, for those who may read the branch's records (members: 403, outsiders: 404)."""
    from meetings.selectors import visible_meetings

    meeting = _get_object_or_404(visible_meetings(request.user).select_related("branch"), pk=pk)
    if not _has_perm(request.user, _Perm.VIEW, meeting.branch):
        raise _PermissionDenied
    content, filename = _recordbook.meeting_docx(meeting=meeting, branch_name=meeting.branch.name)
    response = _HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    response["Content-Disposition"] = _content_disposition(True, filename)
    return response
