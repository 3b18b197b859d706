"""What a branch owes (the compliance engine's states with their reasons) and its members' attendance."""

from contextlib import suppress
from datetime import date

from django.core.exceptions import BadRequest
from django.shortcuts import render
from django.utils import timezone

from branches.access import org_page
from branches.models import Organization
from branches.permissions import Perm, is_global_admin
from core.dates import FIRST_RECORD_YEAR, OutOfRange, parse_year
from meetings.attendance import member_month_grid
from meetings.compliance import State, compliance_for_branch
from meetings.models import Meeting, QuotaRule
from meetings.periods import end_of_day, local_midnight
from meetings.selectors import year_marks
from members.selectors import roster_at

BRANCH = Organization.Kind.BRANCH
FIRST_YEAR = 2020  # the year picker's oldest year


@org_page(Perm.VIEW, kind=BRANCH)
def compliance_year(request, branch):
    """The branch's rule-periods of a year with their states and reasons; the dashboards drill down here
    (`month`: periods ending in that month, `state`, `kind`, `at`: as it stood at the end of that day),
    and each row links the meetings that counted for it (or, if none did, the others of its period)."""
    this_year = timezone.localdate().year
    try:
        year = parse_year(request.GET.get("year"), today=timezone.localdate(), default=this_year)
    except OutOfRange as exc:
        raise BadRequest(str(exc)) from None
    now = timezone.now()
    raw_at = request.GET.get("at", "")
    at = None
    with suppress(ValueError):  # a mistyped date falls back to now; the dashboard validates the ones it sends
        at = date.fromisoformat(raw_at) if raw_at else None
    if at is not None and at.year >= FIRST_RECORD_YEAR and at < timezone.localdate():
        now = end_of_day(at)
    else:
        at = None
    filters = _obligation_filters(request.GET)
    applicable = [s for s in compliance_for_branch(branch, year=year, now=now) if s.state != State.NOT_APPLICABLE]
    states = [s for s in applicable if all(test(s) for test in filters.values())]
    return render(request, "meetings/compliance.html", {
        "branch": branch, "year": year, "years": range(this_year, FIRST_YEAR - 1, -1), "at": at,
        "rows": _with_meetings(branch, states, year=year, now=now), "filters": filters,
        "filter_labels": _filter_labels(request.GET, filters), "summary": _summary(applicable),
        "state_choices": [(v, label) for v, label in State.choices if v != State.NOT_APPLICABLE],
        "kind_choices": sorted({(s.kind, s.kind_label) for s in applicable}, key=lambda c: _KIND_ORDER.get(c[0], 99)),
        "chosen": {"state": request.GET.get("state", ""), "kind": request.GET.get("kind", "")},
        "show_notes": is_global_admin(request.user),
    })


_KIND_ORDER = {kind: i for i, (kind, _label) in enumerate(QuotaRule.KIND_CHOICES)}


def _summary(states) -> list[tuple[str, str, int]]:
    """The year at a glance: (state, label, count) for each state present, in the engine's order."""
    counts = {}
    for s in states:
        counts[s.state] = counts.get(s.state, 0) + 1
    return [(v, label, counts[v]) for v, label in State.choices if counts.get(v)]


def _obligation_filters(params) -> dict:
    filters = {}
    month = params.get("month", "")
    if month.isdigit() and 1 <= int(month) <= 12:
        filters["month"] = lambda s, m=int(month): s.period.last_day.month == m
    if params.get("state", "") in State.values:
        filters["state"] = lambda s, wanted=params["state"]: s.state == wanted
    if params.get("kind", "") in dict(QuotaRule.KIND_CHOICES):
        filters["kind"] = lambda s, wanted=params["kind"]: s.kind == wanted
    return filters


def _filter_labels(params, filters) -> list[str]:
    labels = []
    if "month" in filters:
        labels.append(f"{int(params['month'])}月到期")
    if "state" in filters:
        labels.append(State(params["state"]).label)
    if "kind" in filters:
        labels.append(dict(QuotaRule.KIND_CHOICES)[params["kind"]])
    return labels


def _with_meetings(branch, states, *, year: int, now) -> list[tuple]:
    """(state, meetings that counted for it, other meetings of its period) per rule-period: the
    drill-down from an obligation to the meeting record. One query for the branch's year."""
    start, end = local_midnight(date(year, 1, 1)), local_midnight(date(year + 1, 1, 1))
    meetings = list(Meeting.objects.filter(branch=branch, status=Meeting.Status.HELD, held_at__gte=start,
                                           held_at__lt=end, held_at__lte=now, recorded_at__lte=now)
                    .prefetch_related("kinds").order_by("held_at"))
    rows = []
    for s in states:
        lo, hi = local_midnight(s.period.start), local_midnight(s.period.end)
        in_period = [m for m in meetings if lo <= m.held_at < hi]
        counted = [m for m in in_period if (s.rule.counted_kind_set.intersection(m.kind_values)
                                            if s.kind == QuotaRule.ALL_ACTIVITIES else s.kind in m.kind_values)
                   and (s.party_group_id is None or m.party_group_id == s.party_group_id)]
        rows.append((s, counted, [m for m in in_period if m not in counted] if not counted else []))
    return rows


@org_page(Perm.VIEW, kind=BRANCH)
def attendance_overview(request, branch):
    """Each member's attendance this year, month by month (present / expected), as in the record book."""
    today = timezone.localdate()
    rows = member_month_grid(year_marks(branch, today.year), roster_at(branch, today))
    return render(request, "meetings/attendance.html", {"branch": branch, "year": today.year, "rows": rows,
                                                        "months": range(1, 13)})
