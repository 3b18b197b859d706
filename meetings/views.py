import calendar
import secrets
from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from branches.models import Organization
from branches.permissions import Perm, has_perm
from branches.selectors import visible_orgs
from meetings import services
from meetings.attendance import quorums, summarize
from meetings.compliance import State, compliance_for_branch
from meetings.forms import ExemptionForm, LeaveForm, MeetingForm, PlanForm, default_held_at
from meetings.ical import calendar_for
from meetings.models import CalendarFeed, Exemption, Kind, LeaveRequest, Meeting
from meetings.selectors import (
    attendance_by_member_month,
    expected_members,
    upcoming_meetings_for,
    visible_leave_requests,
    visible_meetings,
)
from orglife.forms import apply_service_errors


def _branch(user, code, perm=Perm.VIEW) -> Organization:
    branch = get_object_or_404(visible_orgs(user), code=code, kind=Organization.Kind.BRANCH)
    if not has_perm(user, perm, branch):
        raise PermissionDenied
    return branch


def _meeting(user, pk) -> Meeting:
    return get_object_or_404(visible_meetings(user).select_related("branch", "party_group", "host", "recorder")
                             .prefetch_related("kinds"), pk=pk)


@login_required
def meeting_list(request, code):
    branch = _branch(request.user, code)
    qs = branch.meetings.select_related("party_group").prefetch_related("kinds").order_by("-held_at")
    kind = request.GET.get("kind", "")
    if kind in Kind.values:
        qs = qs.filter(kinds__kind=kind)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "meetings/meeting_list.html", {
        "branch": branch, "page": page, "kind": kind, "kinds": Kind.choices,
        "can_record": has_perm(request.user, Perm.RECORD, branch),
    })


@login_required
def meeting_calendar(request, code):
    branch = _branch(request.user, code)
    today = timezone.localdate()
    try:
        year, month = (int(x) for x in request.GET.get("month", f"{today.year}-{today.month}").split("-"))
        first = date(year, month, 1)
    except ValueError:
        first = today.replace(day=1)
    last = date(first.year, first.month, calendar.monthrange(first.year, first.month)[1])
    meetings = (branch.meetings.filter(held_at__date__gte=first, held_at__date__lte=last)
                .prefetch_related("kinds").order_by("held_at"))
    by_day: dict[int, list] = {}
    for meeting in meetings:
        by_day.setdefault(timezone.localtime(meeting.held_at).day, []).append(meeting)
    weeks = [[(day, by_day.get(day, [])) if day else (None, []) for day in week]
             for week in calendar.Calendar(firstweekday=0).monthdayscalendar(first.year, first.month)]
    prev_month = (first - timedelta(days=1)).replace(day=1)
    return render(request, "meetings/calendar.html", {
        "branch": branch, "first": first, "weeks": weeks, "today": today,
        "prev": f"{prev_month.year}-{prev_month.month}", "next": f"{(last + timedelta(days=1)).year}-{(last + timedelta(days=1)).month}",
    })


def _roster_rows(branch, *, on, meeting=None, marks=None):
    """The logging screen's roster: everyone in the branch on the day, with what tells the page who is
    expected for which kinds (group, committee) and who votes; approved leave comes pre-ticked."""
    roster = list(expected_members(branch=branch, on=on, kinds=[Kind.THEME_DAY]).select_related("party_group"))
    defaults = services.recorded_marks(meeting) if meeting is not None else {}
    rows = []
    for member in roster:
        category, has_vote = services.vote_snapshot(member, on)
        mark = (marks or {}).get(member.pk) or defaults.get(member.pk) or services.Mark()
        rows.append({"member": member, "category": category, "has_vote": has_vote, "mark": mark,
                     "committee": member.is_committee_member})
    return roster, rows


@login_required
def meeting_record(request, code, pk=None):
    """Log a meeting in one screen: details, and the whole roster present by default; tick the exceptions."""
    branch = _branch(request.user, code, Perm.RECORD)
    meeting = None
    planned_id = request.GET.get("planned")
    if pk is not None:
        meeting = get_object_or_404(branch.meetings.prefetch_related("kinds", "attendance"), pk=pk)
    elif planned_id:
        meeting = get_object_or_404(branch.meetings.prefetch_related("kinds"), pk=planned_id, status=Meeting.Status.PLANNED)
    initial = {"held_at": default_held_at()}
    if meeting is not None:
        initial = {"kinds": meeting.kind_values, "party_group": meeting.party_group, "held_at": timezone.localtime(meeting.held_at),
                   "ended_at": meeting.ended_at and timezone.localtime(meeting.ended_at), "place": meeting.place,
                   "topic": meeting.topic, "host": meeting.host, "recorder": meeting.recorder, "lecturer": meeting.lecturer,
                   "guests": meeting.guests, "minutes": meeting.minutes, "resolutions": meeting.resolutions}
    day = timezone.localdate(initial["held_at"]) if meeting else timezone.localdate()
    roster, rows = _roster_rows(branch, on=day, meeting=meeting)
    form = MeetingForm(request.POST or None, initial=initial, branch=branch, roster=roster)
    if request.method == "POST":
        marks = form.attendance_marks()
        roster, rows = _roster_rows(branch, on=day, meeting=meeting, marks=marks)
        if form.is_valid():
            try:
                saved = services.record_meeting(actor=request.user, branch=branch, now=timezone.now(), attendance=marks,
                                                meeting=meeting, **form.cleaned_data)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                note = "（补记）" if saved.late_entry else ""
                messages.success(request, f"已记录“{saved.topic}”{note}。")
                return redirect("meeting-detail", pk=saved.pk)
    return render(request, "meetings/meeting_form.html", {
        "branch": branch, "form": form, "rows": rows, "meeting": meeting,
        "title": "修改会议记录" if meeting and meeting.status == Meeting.Status.HELD else "记录会议",
    })


@login_required
def meeting_plan(request, code):
    branch = _branch(request.user, code, Perm.RECORD)
    form = PlanForm(request.POST or None, branch=branch)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.plan_meeting(actor=request.user, branch=branch, now=timezone.now(), **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"已发布会议计划“{meeting.topic}”，党员可在手机上请假。")
            return redirect("meeting-detail", pk=meeting.pk)
    return render(request, "form.html", {"form": form, "title": f"计划会议：{branch.name}"})


@login_required
def meeting_detail(request, pk):
    meeting = _meeting(request.user, pk)
    rows = list(meeting.attendance.select_related("member").order_by("member__name"))
    own = getattr(request.user, "member", None)
    leave = meeting.leave_requests.filter(member=own).first() if own else None
    return render(request, "meetings/meeting_detail.html", {
        "meeting": meeting, "rows": rows, "summary": summarize(rows),
        "quorums": quorums(meeting.kind_values, [(r.status, r.has_vote) for r in rows]),
        "can_record": has_perm(request.user, Perm.RECORD, meeting.branch),
        "can_view_roster": has_perm(request.user, Perm.VIEW, meeting.branch),
        "own_leave": leave,
        "can_ask_leave": own is not None and meeting.status == Meeting.Status.PLANNED and meeting.held_at > timezone.now()
        and leave is None,
    })


@login_required
def leave_request(request, pk):
    meeting = _meeting(request.user, pk)
    member = getattr(request.user, "member", None)
    if member is None:
        raise PermissionDenied
    form = LeaveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_leave(actor=request.user, member=member, meeting=meeting, now=timezone.now(),
                                   reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "请假申请已提交，请等待党支部审批。")
            return redirect("my-orglife")
    return render(request, "meetings/leave_form.html", {"form": form, "meeting": meeting})


@login_required
@require_POST
def leave_cancel(request, pk):
    leave = get_object_or_404(visible_leave_requests(request.user), pk=pk)
    try:
        services.cancel_leave(actor=request.user, leave=leave, now=timezone.now())
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, "已撤回请假申请。")
    return redirect("my-orglife")


@login_required
def leave_inbox(request, code):
    branch = _branch(request.user, code)
    leaves = (LeaveRequest.objects.filter(meeting__branch=branch).select_related("member", "meeting")
              .order_by("status", "-requested_at"))
    pending = [lv for lv in leaves if lv.status == LeaveRequest.Status.PENDING]
    decided = Paginator([lv for lv in leaves if lv.status != LeaveRequest.Status.PENDING], 30).get_page(request.GET.get("page"))
    return render(request, "meetings/leave_inbox.html", {
        "branch": branch, "pending": pending, "page": decided,
        "can_decide": {lv.pk for lv in pending if services.can_decide_leave(request.user, lv)},
    })


@login_required
@require_POST
def leave_decide(request, pk):
    leave = get_object_or_404(visible_leave_requests(request.user).select_related("meeting__branch"), pk=pk)
    approve = request.POST.get("decision") == "approve"
    try:
        services.decide_leave(actor=request.user, leave=leave, approve=approve, now=timezone.now(),
                              note=request.POST.get("note", ""))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已{'批准' if approve else '不批准'}{leave.member.name}的请假。")
    return redirect("leave-inbox", code=leave.meeting.branch.code)


@login_required
def exemption_list(request, code):
    branch = _branch(request.user, code)
    can_request = has_perm(request.user, Perm.RECORD, branch)
    form = ExemptionForm(request.POST or None, branch=branch)
    if request.method == "POST":
        if not can_request:
            raise PermissionDenied
        if form.is_valid():
            try:
                exemption = services.request_exemption(actor=request.user, branch=branch, **form.cleaned_data)
                if exemption.member_id and services.can_decide_exemption(request.user, exemption):
                    services.decide_exemption(actor=request.user, exemption=exemption, approve=True, now=timezone.now())
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, "已登记。" if exemption.member_id else "已提交，等待上级党组织审批。")
                return redirect("exemption-list", code=branch.code)
    exemptions = branch.exemptions.select_related("member").order_by("-starts_on")
    return render(request, "meetings/exemptions.html", {
        "branch": branch, "form": form, "can_request": can_request,
        "rows": [(ex, services.can_decide_exemption(request.user, ex) and ex.status == Exemption.Status.PENDING)
                 for ex in exemptions],
    })


@login_required
@require_POST
def exemption_decide(request, pk):
    exemption = get_object_or_404(Exemption.objects.filter(branch__in=visible_orgs(request.user)), pk=pk)
    try:
        services.decide_exemption(actor=request.user, exemption=exemption,
                                  approve=request.POST.get("decision") == "approve", now=timezone.now())
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, "已审批。")
    return redirect("exemption-list", code=exemption.branch.code)


@login_required
def compliance_year(request, code):
    branch = _branch(request.user, code)
    now = timezone.now()
    try:
        year = int(request.GET.get("year", timezone.localdate().year))
    except ValueError:
        year = timezone.localdate().year
    states = [s for s in compliance_for_branch(branch, year=year, now=now) if s.state != State.NOT_APPLICABLE]
    return render(request, "meetings/compliance.html", {"branch": branch, "year": year, "states": states,
                                                        "years": range(timezone.localdate().year, 2019, -1)})


@login_required
def attendance_overview(request, code):
    """Each member's attendance this year, month by month (present / held-for-him)."""
    branch = _branch(request.user, code)
    year = timezone.localdate().year
    data = attendance_by_member_month(branch, year)
    rows = []
    for member in branch.members.filter(status="normal").order_by("name"):
        months = data.get(member.pk, {})
        cells = []
        for m in range(1, 13):
            counts = months.get(m, {})
            cells.append({"present": counts.get("present", 0), "expected": sum(counts.values()),
                          "absent": counts.get("absent", 0), "leave": counts.get("leave", 0)})
        total_present = sum(c["present"] for c in cells)
        total_expected = sum(c["expected"] for c in cells)
        rows.append({"member": member, "cells": cells, "present": total_present, "expected": total_expected})
    return render(request, "meetings/attendance.html", {"branch": branch, "year": year, "rows": rows,
                                                        "months": range(1, 13)})


@login_required
def my_orglife(request):
    """A member's own page (phone first): upcoming meetings, leave requests, attendance history."""
    member = getattr(request.user, "member", None)
    if member is None:
        return render(request, "meetings/my_orglife.html", {"member": None})
    now = timezone.now()
    upcoming = upcoming_meetings_for(member, now=now)
    leaves = {lv.meeting_id: lv for lv in member.leave_requests.select_related("meeting")}
    history = (member.attendance.filter(meeting__status=Meeting.Status.HELD).select_related("meeting")
               .order_by("-meeting__held_at")[:24])
    return render(request, "meetings/my_orglife.html", {
        "member": member, "upcoming": [(m, leaves.get(m.pk)) for m in upcoming],
        "leaves": sorted(leaves.values(), key=lambda lv: lv.requested_at, reverse=True)[:10], "history": history,
    })


@login_required
def calendar_feed_settings(request, code):
    branch = _branch(request.user, code, Perm.RECORD)
    feed = CalendarFeed.objects.filter(branch=branch).first()
    if request.method == "POST":
        token = secrets.token_urlsafe(32)
        feed, _ = CalendarFeed.objects.update_or_create(branch=branch, defaults={"token": token})
        messages.success(request, "已生成新的订阅地址，旧地址立即失效。")
        return redirect("calendar-feed-settings", code=branch.code)
    url = request.build_absolute_uri(f"/orgs/{branch.code}/calendar.ics?token={feed.token}") if feed else ""
    return render(request, "meetings/calendar_feed.html", {"branch": branch, "url": url})


def calendar_feed(request, code):
    """iCal feed; no login (calendar apps can't), the unguessable token is the credential."""
    token = request.GET.get("token", "")
    feed = CalendarFeed.objects.filter(branch__code=code, token=token).select_related("branch").first() if token else None
    if feed is None:
        raise Http404
    response = HttpResponse(calendar_for(feed.branch, now=timezone.now()), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{feed.branch.code}.ics"'
    return response


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
