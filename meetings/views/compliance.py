"""What a branch owes (the compliance engine's states with their reasons) and its members' attendance."""

from django.shortcuts import render
from django.utils import timezone

from branches.access import org_page
from branches.models import Organization
from branches.permissions import Perm
from meetings.attendance import member_month_grid
from meetings.compliance import State, compliance_for_branch
from meetings.selectors import year_marks
from members.selectors import roster_at

BRANCH = Organization.Kind.BRANCH
FIRST_YEAR = 2020  # the year picker's oldest year


@org_page(Perm.VIEW, kind=BRANCH)
def compliance_year(request, branch):
    now = timezone.now()
    this_year = timezone.localdate().year
    try:
        year = int(request.GET.get("year", this_year))
    except ValueError:
        year = this_year
    states = [s for s in compliance_for_branch(branch, year=year, now=now) if s.state != State.NOT_APPLICABLE]
    return render(request, "meetings/compliance.html", {"branch": branch, "year": year, "states": states,
                                                        "years": range(this_year, FIRST_YEAR - 1, -1)})


@org_page(Perm.VIEW, kind=BRANCH)
def attendance_overview(request, branch):
    """Each member's attendance this year, month by month (present / expected), as in the record book."""
    today = timezone.localdate()
    rows = member_month_grid(year_marks(branch, today.year), roster_at(branch, today))
    return render(request, "meetings/attendance.html", {"branch": branch, "year": today.year, "rows": rows,
                                                        "months": range(1, 13)})
