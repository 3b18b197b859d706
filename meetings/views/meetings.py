"""A branch's meetings: the list, the month calendar, logging one in one screen, planning, a record."""

import calendar
from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import BadRequest, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header

from branches.access import SIGNED_IN, org_page, record_page
from branches.models import Organization
from branches.permissions import Perm, has_perm
from core.dates import OutOfRange, check_day
from core.forms import apply_service_errors
from meetings import services
from meetings.attendance import meeting_quorums, summarize
from meetings.forms import MeetingForm, PlanForm, default_held_at
from meetings.models import Kind, Meeting
from meetings.recordbook import meeting_docx
from meetings.selectors import (
    exempt_in_quorum,
    expected_members,
    member_may_read_minutes,
    reads_whole_record,
    visible_meetings,
    vote_snapshot,
)

BRANCH = Organization.Kind.BRANCH


def _visible_meetings(user):
    return visible_meetings(user).select_related("branch", "party_group", "host", "recorder").prefetch_related("kinds")


@org_page(Perm.VIEW, kind=BRANCH)
def meeting_list(request, branch):
    qs = branch.meetings.select_related("party_group").prefetch_related("kinds").order_by("-held_at")
    kind = request.GET.get("kind", "")
    if kind in Kind.values:
        qs = qs.filter(kinds__kind=kind)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "meetings/meeting_list.html", {
        "branch": branch, "page": page, "kind": kind, "kinds": Kind.choices,
        "can_record": has_perm(request.user, Perm.RECORD, branch),
    })


@org_page(Perm.VIEW, kind=BRANCH)
def meeting_calendar(request, branch):
    today = timezone.localdate()
    try:
        year, month = (int(x) for x in request.GET.get("month", f"{today.year}-{today.month}").split("-"))
        first = check_day(date(year, month, 1), today=today)
    except OutOfRange as exc:
        raise BadRequest(str(exc)) from None
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
    next_month = last + timedelta(days=1)
    return render(request, "meetings/calendar.html", {
        "branch": branch, "first": first, "weeks": weeks, "today": today,
        "prev": f"{prev_month.year}-{prev_month.month}", "next": f"{next_month.year}-{next_month.month}",
    })


def _roster_rows(branch, *, on, meeting=None, marks=None):
    """The logging screen's roster: everyone in the branch on the day, with what tells the page who is
    expected for which kinds (group, committee) and who votes; leave approved for any meeting of that
    day comes pre-ticked, under what this meeting already recorded."""
    roster = list(expected_members(branch=branch, on=on, kinds=[Kind.THEME_DAY]).select_related("party_group"))
    approved = services.approved_leave_on(branch, on)
    defaults = dict(approved)
    if meeting is not None:
        defaults.update(services.recorded_marks(meeting))
    rows = []
    for member in roster:
        category, has_vote = vote_snapshot(member, on)
        mark = (marks or {}).get(member.pk) or defaults.get(member.pk) or services.Mark()
        rows.append({"member": member, "category": category, "has_vote": has_vote, "mark": mark,
                     "committee": member.is_committee_member, "approved_leave": member.pk in approved})
    return roster, rows


def _vote_rows(form, recorded):
    """The resolution rows of the form: what was typed (after an error), else what is recorded, then blanks."""
    rows = []
    for i, item in enumerate(form.vote_rows):
        if form.is_bound:
            values = [form.data.get(f"vote-{key}-{i}", "") for key in ("text", "for", "against", "abstain")]
        elif item is not None:
            values = [item.text, item.votes_for, item.votes_against, item.votes_abstain]
        else:
            values = ["", "", "", ""]
        rows.append({"i": i, "text": values[0], "for": values[1], "against": values[2], "abstain": values[3]})
    return rows


def _chosen_day(request, fallback: date) -> date:
    """The day whose roster the form shows: the submitted start time, or the day the page asks rows for
    (the form reloads them when the date changes), else the meeting's."""
    raw = request.POST.get("held_at") if request.method == "POST" else request.GET.get("roster")
    if raw:
        try:
            value = MeetingForm.base_fields["held_at"].to_python(raw)
        except ValidationError:
            try:
                return date.fromisoformat(raw)
            except ValueError:
                return fallback
        if value is not None:
            return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    return fallback


def _prefill(params, branch) -> dict:
    """What the 工作台's 记录会议 / 去补记 links carry: the kind, a day of the owed period, the 党小组.
    Anything malformed is ignored: the form opens as usual."""
    initial = {}
    if params.get("kind") in Kind.values:
        initial["kinds"] = [params["kind"]]
    try:
        held = date.fromisoformat(params.get("held", ""))
    except ValueError:
        held = None
    if held is not None and held <= timezone.localdate():
        start = default_held_at()
        if held < start.date():
            start = start.replace(hour=9)  # a made-up past day opens at 9:00, not at the hour it is now
        initial["held_at"] = start.replace(year=held.year, month=held.month, day=held.day)
    group = branch.party_groups.filter(pk=params["group"]).first() if params.get("group", "").isdigit() else None
    if group is not None:
        initial["party_group"] = group
    return initial


@org_page(Perm.RECORD, kind=BRANCH)
def meeting_record(request, branch, pk=None):
    """Log a meeting in one screen: details, and the whole roster present by default; tick the exceptions."""
    meeting = None
    planned_id = request.GET.get("planned")
    if pk is not None:
        meeting = get_object_or_404(branch.meetings.prefetch_related("kinds", "attendance"), pk=pk)
    elif planned_id:
        if not planned_id.isdigit():
            raise Http404("没有这个计划会议。")
        meeting = get_object_or_404(branch.meetings.prefetch_related("kinds"), pk=planned_id, status=Meeting.Status.PLANNED)
    initial = {"held_at": default_held_at()}
    if meeting is None:
        initial.update(_prefill(request.GET, branch))
    if meeting is not None:
        initial = {name: getattr(meeting, name) for name in services.MEETING_FIELDS}
        initial["kinds"] = meeting.kind_values
        initial["held_at"] = timezone.localtime(meeting.held_at)
        initial["ended_at"] = meeting.ended_at and timezone.localtime(meeting.ended_at)
    day = _chosen_day(request, timezone.localdate(initial["held_at"]))
    roster, rows = _roster_rows(branch, on=day, meeting=meeting)
    recorded_votes = list(meeting.resolution_items.all()) if meeting is not None else []
    if request.GET.get("roster"):  # the rows for another date, as the form asks when the date changes
        return render(request, "meetings/_attendance_rows.html", {"rows": rows, "day": day})
    form = MeetingForm(request.POST or None, initial=initial, branch=branch, roster=roster, votes=recorded_votes)
    late_reason = ""
    if request.method == "POST":
        marks = form.attendance_marks()
        votes, vote_errors = form.vote_inputs()
        roster, rows = _roster_rows(branch, on=day, meeting=meeting, marks=marks)
        for error in vote_errors:
            form.add_error(None, error)
        if form.is_valid():
            data = dict(form.cleaned_data)
            confirm = data.pop("confirm_without_quorum")
            now = timezone.now()
            first_record = meeting is None or meeting.status == Meeting.Status.PLANNED
            if first_record and not request.POST.get("confirm_late"):
                try:
                    services.check_meeting(branch=branch, data=data, now=now)
                except ValidationError as exc:
                    apply_service_errors(form, exc)
                else:
                    late_reason = services.late_entry_reason(branch, data["kinds"], data["held_at"], now,
                                                             party_group=data.get("party_group"))
            if not (form.errors or late_reason):  # else a mistake to fix, or a 补记 to confirm: nothing lost
                try:
                    saved = services.record_meeting(actor=request.user, branch=branch, now=now, attendance=marks,
                                                    votes=votes, confirm_without_quorum=confirm, meeting=meeting,
                                                    **data)
                except ValidationError as exc:
                    apply_service_errors(form, exc)
                else:
                    note = "（补记）" if saved.late_entry else ""
                    messages.success(request, f"已记录“{saved.topic}”{note}。")
                    return redirect("meeting-detail", pk=saved.pk)
    exempt_voters, exempt_committee = exempt_in_quorum(branch=branch, on=day,
                                                       kinds=[Kind.BRANCH_ASSEMBLY, Kind.BRANCH_COMMITTEE])
    return render(request, "meetings/meeting_form.html", {
        "branch": branch, "form": form, "rows": rows, "meeting": meeting, "day": day, "late_reason": late_reason,
        "exempt_voters": exempt_voters, "exempt_committee": exempt_committee,
        "vote_rows": _vote_rows(form, recorded_votes),
        "title": "修改会议记录" if meeting and meeting.status == Meeting.Status.HELD else "记录会议",
    })


@org_page(Perm.RECORD, kind=BRANCH)
def meeting_plan(request, branch):
    form = PlanForm(request.POST or None, branch=branch)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.plan_meeting(actor=request.user, branch=branch, now=timezone.now(), **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"已发布会议计划“{meeting.topic}”，党员可在手机上请假。")
            return redirect("meeting-detail", pk=meeting.pk)
    return render(request, "meetings/plan_form.html", {"form": form, "branch": branch})


@record_page(SIGNED_IN, load=_visible_meetings)
def meeting_detail(request, meeting):
    rows = list(meeting.attendance.select_related("member").order_by("member__name"))
    own = getattr(request.user, "member", None)
    leave = meeting.leave_requests.filter(member=own).first() if own else None
    whole = reads_whole_record(request.user, meeting)  # a plain member sees himself only (issue 11, point 4)
    return render(request, "meetings/meeting_detail.html", {
        "meeting": meeting, "rows": rows, "summary": summarize(rows), "whole_record": whole,
        "own_row": next((r for r in rows if own is not None and r.member_id == own.pk), None),
        "show_minutes": whole or member_may_read_minutes(meeting.kind_values),
        "quorums": meeting_quorums(meeting, rows),
        "can_record": has_perm(request.user, Perm.RECORD, meeting.branch),
        "can_view_roster": has_perm(request.user, Perm.VIEW, meeting.branch),
        "own_leave": leave,
        "can_ask_leave": own is not None and meeting.status == Meeting.Status.PLANNED and meeting.held_at > timezone.now()
        and leave is None,
    })


@record_page(Perm.VIEW, load=_visible_meetings)
def meeting_record_docx(request, meeting):
    """One meeting's record as .docx, for those who may read the branch's records (members: 403, outsiders: 404)."""
    content, filename = meeting_docx(meeting=meeting, branch_name=meeting.branch.name)
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
