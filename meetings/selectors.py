"""Read-side queries for meetings: who is expected, what a user may see, attendance summaries."""

from datetime import date

from django.db.models import Q, QuerySet
from django.db.models.functions import ExtractMonth
from django.utils import timezone

from branches.models import Organization, PartyGroup, PolicyValue
from branches.permissions import Perm, has_perm, org_filter
from branches.policy import policy_value
from meetings.models import Attendance, Exemption, Kind, LeaveRequest, Meeting
from meetings.periods import local_midnight
from members.models import Member, Membership
from members.selectors import INACTIVE_STATUSES, memberships_on

_BRANCH_WIDE = set(Kind.values) - {Kind.GROUP_MEETING, Kind.BRANCH_COMMITTEE}


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


VOTE_LEAVE_OUT = {  # exemption reason → the policy value saying whether §2.2 lets it leave the vote base
    Exemption.Reason.SICK: PolicyValue.Key.VOTE_LEAVE_OUT_SICK,
    Exemption.Reason.MATERNITY: PolicyValue.Key.VOTE_LEAVE_OUT_MATERNITY,
    Exemption.Reason.ABROAD: PolicyValue.Key.VOTE_LEAVE_OUT_ABROAD,
    Exemption.Reason.ELDERLY: PolicyValue.Key.VOTE_LEAVE_OUT_ELDERLY,
    Exemption.Reason.OTHER: PolicyValue.Key.VOTE_LEAVE_OUT_OTHER,
}


def leaves_vote_base(exemption: Exemption, *, on: date) -> bool:
    """Whether an approved exemption takes its member out of 应到会有表决权的党员 on `on`: only an
    exemption of a category §2.2 lets the branch leave out (policy data) that records the upper
    level's consent, given by then."""
    if exemption.upper_consent_on is None or exemption.upper_consent_on > on:
        return False
    return bool(policy_value(VOTE_LEAVE_OUT[exemption.reason], exemption.branch, at=on))


def exempt_in_quorum(*, branch: Organization, on: date, kinds) -> tuple[int, int]:
    """(voters, 委员) exempted from a meeting on `on` who still count in its quorum bases (domain-rules
    "Clarifications": exempted members are not expected, but stay in 应到会有表决权的党员 unless left out
    with consent). Only for the kinds that vote."""
    kinds = set(kinds)
    if not kinds & {Kind.BRANCH_ASSEMBLY, Kind.BRANCH_COMMITTEE}:
        return 0, 0
    roster = Member.objects.filter(pk__in=memberships_on(branch, on).values("member_id")).exclude(
        status__in=INACTIVE_STATUSES)
    by_member: dict[int, list[Exemption]] = {}
    for exemption in (Exemption.objects.filter(member__in=roster, branch=branch, status=Exemption.Status.APPROVED,
                                               starts_on__lte=on, ends_on__gte=on).select_related("member", "branch")):
        by_member.setdefault(exemption.member_id, []).append(exemption)
    voters = committee = 0
    for exemptions in by_member.values():
        if any(leaves_vote_base(e, on=on) for e in exemptions):
            continue
        member = exemptions[0].member
        voters += Kind.BRANCH_ASSEMBLY in kinds and vote_snapshot(member, on)[1]
        committee += Kind.BRANCH_COMMITTEE in kinds and member.is_committee_member
    return voters, committee


def vote_snapshot(member: Member, day: date) -> tuple[str, bool]:
    """Category and vote on the meeting date: 预备党员 and members under 留党察看 have no vote (§2.2)."""
    full = member.category == Member.Category.FULL and (member.confirmed_on is None or member.confirmed_on <= day)
    on_probation = member.probation_until is not None and member.probation_until >= day
    return (Member.Category.FULL if full else Member.Category.PROBATIONARY), full and not on_probation


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


def reads_whole_record(user, meeting: Meeting) -> bool:
    """Whether `user` reads the whole record: those who may view the branch's records do; a plain member
    sees the meeting, his own attendance row, and no minutes of a 支委会 (issue 11, point 4)."""
    return has_perm(user, Perm.VIEW, meeting.branch)


def member_may_read_minutes(kinds) -> bool:
    """支委会 minutes are the committee's; a member reads the minutes of the meetings he is part of."""
    return Kind.BRANCH_COMMITTEE not in set(kinds)


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
