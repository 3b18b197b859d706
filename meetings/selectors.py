"""Read-side queries for meetings: who is expected, what a user may see, attendance summaries."""

from datetime import date

from django.db.models import Q, QuerySet
from django.db.models.functions import ExtractMonth
from django.utils import timezone

from branches.models import Organization, PartyGroup
from branches.permissions import Perm, org_filter
from meetings.models import Attendance, Exemption, Kind, LeaveRequest, Meeting
from meetings.periods import local_midnight
from members.models import Member, Membership
from members.selectors import memberships_on

_BRANCH_WIDE = set(Kind.values) - {Kind.GROUP_MEETING, Kind.BRANCH_COMMITTEE}
INACTIVE_STATUSES = (Member.Status.SUSPENDED, Member.Status.REMOVED, Member.Status.DECEASED)


def expected_members(*, branch: Organization, on: date, kinds, party_group: PartyGroup | None = None) -> QuerySet[Member]:
    """Who is expected at a meeting on `on`: the roster of that date from membership history; for a
    党小组会 only the group's members, for a 支委会 only the committee; minus exempted members."""
    open_rows = memberships_on(branch, on)
    kinds = set(kinds)
    if not kinds & _BRANCH_WIDE and Kind.GROUP_MEETING in kinds and party_group is not None:
        open_rows = open_rows.filter(party_group=party_group)
    members = Member.objects.filter(pk__in=open_rows.values("member_id")).exclude(status__in=INACTIVE_STATUSES)
    if kinds and kinds <= {Kind.BRANCH_COMMITTEE}:
        members = members.filter(party_post__in=Member.COMMITTEE_POSTS)
    exempt = Exemption.objects.filter(member__isnull=False, branch=branch, status=Exemption.Status.APPROVED,
                                      starts_on__lte=on, ends_on__gte=on).values("member_id")
    return members.exclude(pk__in=exempt).order_by("name", "id")


def meeting_expected(meeting: Meeting) -> QuerySet[Member]:
    return expected_members(branch=meeting.branch, on=timezone.localdate(meeting.held_at),
                            kinds=meeting.kind_values, party_group=meeting.party_group)


def visible_meetings(user) -> QuerySet[Meeting]:
    """Meetings of the organizations the user may view; a member also sees his own branch's meetings."""
    if not user.is_authenticated:
        return Meeting.objects.none()
    q = org_filter(user, Perm.VIEW, prefix="branch__")
    if q is None:
        return Meeting.objects.all()
    member = getattr(user, "member", None)
    if member is not None:
        q |= Q(branch_id=member.branch_id)
    return Meeting.objects.filter(q)


def visible_leave_requests(user) -> QuerySet[LeaveRequest]:
    if not user.is_authenticated:
        return LeaveRequest.objects.none()
    q = org_filter(user, Perm.VIEW, prefix="meeting__branch__")
    if q is None:
        return LeaveRequest.objects.all()
    member = getattr(user, "member", None)
    if member is not None:
        q |= Q(member=member)
    return LeaveRequest.objects.filter(q)


def upcoming_meetings_for(member: Member, *, now, limit: int = 20) -> list[Meeting]:
    """Planned meetings of the member's branch he is expected at, soonest first, in three queries
    whatever their number (the member's 工作台 lists them): the rule of `expected_members`, applied
    to one member's membership rows and exemptions."""
    planned = list(Meeting.objects.filter(branch_id=member.branch_id, status=Meeting.Status.PLANNED, held_at__gt=now)
                   .select_related("party_group").prefetch_related("kinds").order_by("held_at")[:limit])
    if not planned or member.status in INACTIVE_STATUSES:
        return []
    rows = list(Membership.objects.filter(member=member, branch_id=member.branch_id))
    exempt = list(Exemption.objects.filter(member=member, branch_id=member.branch_id, status=Exemption.Status.APPROVED,
                                           ends_on__gte=timezone.localdate(now)))
    return [m for m in planned if _expects(m, member, rows, exempt)]


def _expects(meeting: Meeting, member: Member, rows, exempt) -> bool:
    on = timezone.localdate(meeting.held_at)
    row = next((r for r in rows if r.started_on <= on and (r.ended_on is None or r.ended_on > on)), None)
    if row is None or any(ex.starts_on <= on <= ex.ends_on for ex in exempt):
        return False
    kinds = set(meeting.kind_values)
    if not kinds & _BRANCH_WIDE and Kind.GROUP_MEETING in kinds and meeting.party_group_id is not None:
        return row.party_group_id == meeting.party_group_id
    if kinds and kinds <= {Kind.BRANCH_COMMITTEE}:
        return member.party_post in Member.COMMITTEE_POSTS
    return True


def year_marks(branch: Organization, year: int) -> list[tuple[int, str, str, int, str]]:
    """(member id, name, category, local month, status) for every attendance row of the branch's held
    meetings of `year` (one query), for meetings.attendance.member_month_grid."""
    start, end = local_midnight(date(year, 1, 1)), local_midnight(date(year + 1, 1, 1))
    return list(Attendance.objects.filter(meeting__branch=branch, meeting__status=Meeting.Status.HELD,
                                          meeting__held_at__gte=start, meeting__held_at__lt=end)
                .values_list("member_id", "member__name", "category", ExtractMonth("meeting__held_at"), "status"))
