"""The 工作台: what each role must do now, the first page after login.

Each desk is read in a constant number of queries whatever the data behind it (a secretary's pending
leave, a member's planned meetings, an upper level's alerts): one set-based query per section, the
compliance engine once for all of a secretary's branches, the upper level's figures from the dashboards
(`inspections.dashboard.dashboard_for`, which reads the rollup) rather than rebuilt here.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from branches.models import Organization, OrgRole, PolicyValue, Role
from branches.permissions import SUBTREE_ROLES, is_global_admin
from branches.policy import policy_values
from core.dates import add_months
from core.models import AuditEntry
from inspections.dashboard import dashboard_for
from inspections.links import alert_links
from inspections.models import Alert
from meetings.compliance import RuleState, State, compliance_for_branches
from meetings.models import Attendance, Kind, LeaveRequest, Meeting, QuotaRule
from meetings.selectors import upcoming_meetings_for
from members.models import Member, RosterImport
from members.selectors import branch_facts_for

SHOWN = 5  # items per section; the section links to the full list
OVERDUE_SHOWN = 3  # a long tail of overdue periods would bury what can still be done
_URGENCY = {State.OVERDUE: 0, State.LATE: 1, State.DUE_SOON: 2, State.PENDING: 3}
_DONE = (State.MET, State.MET_LATE)
_POLICY_TYPES = ("meetings.quotarule", "branches.policyvalue")


@dataclass
class Owed:
    """One rule-period the branch still owes, and the page that settles it."""

    state: RuleState
    action: str  # 记录会议 / 去补记 / 查看
    url: str


@dataclass
class BranchDesk:
    branch: Organization
    facts: object  # members.selectors.BranchFacts
    owed: list[Owed]
    overdue_hidden: int
    pending_leave: list[LeaveRequest]
    alerts: list[Alert]
    alert_count: int
    next_meetings: list[Meeting]
    done: int  # rule-periods of this year ended and met (补记完成 included)
    ended: int  # rule-periods of this year ended (met or not)

    @property
    def rate(self) -> int | None:
        return round(100 * self.done / self.ended) if self.ended else None


def owed_action(branch: Organization, s: RuleState) -> tuple[str, str]:
    """记录会议 (or 去补记 once the period is over) prefilled with the kind, a day of the period and the
    党小组; a rule met by a campaign or by talks is settled on the compliance page's links."""
    late = s.state in (State.LATE, State.OVERDUE)
    if s.rule.counted_from == QuotaRule.CountedFrom.COMPLETIONS:  # 组织生活会, 民主评议, 谈心谈话: their campaign pages
        return "去办理", reverse("campaigns", args=[branch.code])
    if s.kind not in Kind.values and s.kind != QuotaRule.ALL_ACTIVITIES:
        return "查看", reverse("compliance-year", args=[branch.code]) + f"?year={s.period_start.year}"
    kind = Kind.THEME_DAY if s.kind == QuotaRule.ALL_ACTIVITIES else s.kind
    day = s.period_end if late else min(max(timezone.localdate(s.now), s.period_start), s.period_end)
    params = {"kind": kind, "held": day.isoformat()}
    if s.party_group_id:
        params["group"] = s.party_group_id
    return ("去补记" if late else "记录会议"), reverse("meeting-record", args=[branch.code]) + "?" + urlencode(params)


def _owed(branch: Organization, states: list[RuleState], today: date) -> tuple[list[Owed], int, int, int]:
    live = [s for s in states if s.state not in (State.NOT_APPLICABLE, State.EXEMPT)]
    ended = [s for s in live if s.period.end <= today]
    done = sum(1 for s in ended if s.state in _DONE)
    owed = [s for s in live if s.state in _URGENCY and (s.period.start <= today < s.period.end or s.period.end <= today)]
    owed.sort(key=lambda s: (_URGENCY[s.state], -s.period.start.toordinal() if s.state == State.OVERDUE else
                             s.period.start.toordinal()))
    overdue = [s for s in owed if s.state == State.OVERDUE]
    shown = overdue[:OVERDUE_SHOWN] + [s for s in owed if s.state != State.OVERDUE]
    return [Owed(s, *owed_action(branch, s)) for s in shown], len(overdue) - len(overdue[:OVERDUE_SHOWN]), done, len(ended)


def _link(alerts: list[Alert]) -> list[Alert]:
    """Each alert with the page where it is handled (inspections.links), one query for them all."""
    links = alert_links(alerts)
    for alert in alerts:
        alert.link = links[alert.pk]
    return alerts


def branch_desks(branches: list[Organization], *, now: datetime) -> list[BranchDesk]:
    """The secretary's desk for each branch he records for, in a constant number of queries."""
    if not branches:
        return []
    today = timezone.localdate(now)
    ids = [b.pk for b in branches]
    states = compliance_for_branches(branches, year=today.year, now=now)
    facts = branch_facts_for(branches, at=today)
    leaves = list(LeaveRequest.objects.filter(meeting__branch_id__in=ids, status=LeaveRequest.Status.PENDING)
                  .select_related("member", "meeting").order_by("meeting__held_at", "requested_at"))
    open_alerts = Alert.objects.filter(org_id__in=ids, closed_at__isnull=True)
    alert_counts = dict(open_alerts.values("org_id").annotate(n=Count("id")).values_list("org_id", "n"))
    alerts = list(open_alerts.filter(kind__in=[Alert.Kind.MEETING_OVERDUE, Alert.Kind.MEMBER_ABSENT,
                                               Alert.Kind.TERM_EXPIRING, Alert.Kind.RECTIFICATION_OVERDUE,
                                               Alert.Kind.DUES_UNPAID])
                  .select_related("org", "member").order_by("-opened_at", "-id")[:SHOWN * len(ids)])
    _link(alerts)
    planned = list(Meeting.objects.filter(branch_id__in=ids, status=Meeting.Status.PLANNED, held_at__gt=now)
                   .prefetch_related("kinds").order_by("held_at")[:SHOWN * len(ids)])
    desks = []
    for branch in branches:
        owed, hidden, done, ended = _owed(branch, states.get(branch.pk, []), today)
        desks.append(BranchDesk(
            branch=branch, facts=facts[branch.pk], owed=owed, overdue_hidden=hidden,
            pending_leave=[lv for lv in leaves if lv.meeting.branch_id == branch.pk],
            alerts=[a for a in alerts if a.org_id == branch.pk][:SHOWN], alert_count=alert_counts.get(branch.pk, 0),
            next_meetings=[m for m in planned if m.branch_id == branch.pk][:SHOWN], done=done, ended=ended))
    return desks


@dataclass
class MemberDesk:
    member: Member
    upcoming: list[tuple[Meeting, LeaveRequest | None]]
    leaves: list[LeaveRequest]
    attendance: dict[str, int]  # status → count of this year's held meetings
    flag: Alert | None  # the open six-month flag, if any

    @property
    def attended(self) -> int:
        return self.attendance.get(Attendance.Status.PRESENT, 0)

    @property
    def expected(self) -> int:
        return sum(self.attendance.values())


def member_desk(member: Member, *, now: datetime) -> MemberDesk:
    upcoming = upcoming_meetings_for(member, now=now, limit=SHOWN)
    leaves = list(member.leave_requests.select_related("meeting").order_by("-requested_at")[:SHOWN * 2])
    by_meeting = {lv.meeting_id: lv for lv in reversed(leaves) if lv.status in LeaveRequest.OPEN_STATUSES}
    year_start = timezone.make_aware(datetime(timezone.localdate(now).year, 1, 1))
    attendance = dict(member.attendance.filter(meeting__status=Meeting.Status.HELD, meeting__held_at__gte=year_start,
                                               meeting__held_at__lte=now)
                      .values("status").annotate(n=Count("id")).values_list("status", "n"))
    flag = (Alert.objects.filter(member=member, kind=Alert.Kind.MEMBER_ABSENT, closed_at__isnull=True)
            .order_by("-opened_at").first())
    return MemberDesk(member=member, upcoming=[(m, by_meeting.get(m.pk)) for m in upcoming], leaves=leaves,
                      attendance=attendance, flag=flag)


@dataclass
class UpperDesk:
    org: Organization
    dashboard: object  # inspections.dashboard.Dashboard
    alerts: list[Alert] = field(default_factory=list)
    alert_count: int = 0


def upper_desks(orgs: list[Organization], *, now: datetime) -> list[UpperDesk]:
    """Each subtree's summary from the dashboards, and the alerts escalated to it (serious overdue
    meetings, six-month flags, 换届): the ones `inspections.notifications` sends upward."""
    today = timezone.localdate(now)
    escalated = (Q(kind=Alert.Kind.MEETING_OVERDUE, level=Alert.Level.SERIOUS)
                 | Q(kind=Alert.Kind.MEMBER_ABSENT, level=Alert.Level.SERIOUS) | Q(kind=Alert.Kind.TERM_EXPIRING))
    desks = []
    for org in orgs:  # an upper-level user holds one or two such roles, not hundreds
        qs = Alert.objects.filter(org.subtree_filter(prefix="org__"), escalated, closed_at__isnull=True)
        alerts = list(qs.select_related("org", "member").order_by("-opened_at")[:SHOWN])
        for alert in alerts:  # the upper level reads (and 督办) on the branch's alert page; it does not record
            alert.link = ("查看", reverse("branch-alerts", args=[alert.org.code]) + f"#alert-{alert.pk}")
        desks.append(UpperDesk(org=org, dashboard=dashboard_for(org, year=today.year, at=today), alerts=alerts,
                               alert_count=qs.count()))
    return desks


@dataclass
class AdminDesk:
    imports: list[RosterImport]
    failed_imports: int
    users: int
    users_without_role: int
    recent_users: list
    policy_changes: list[AuditEntry]


def admin_desk(*, now: datetime) -> AdminDesk:
    User = get_user_model()
    failed = [RosterImport.Status.FAILED, RosterImport.Status.INVALID]
    users = User.objects.aggregate(total=Count("pk"), without=Count("pk", filter=Q(org_roles__isnull=True,
                                                                                  member__isnull=True)))
    return AdminDesk(
        imports=list(RosterImport.objects.select_related("created_by").order_by("-created_at")[:SHOWN]),
        failed_imports=RosterImport.objects.filter(status__in=failed).count(),
        users=users["total"], users_without_role=users["without"],
        recent_users=list(User.objects.order_by("-date_joined")[:SHOWN]),
        policy_changes=list(AuditEntry.objects.filter(target_type__in=_POLICY_TYPES).select_related("actor")
                            .order_by("-at")[:SHOWN]))


def desks_for(user, *, now: datetime) -> dict:
    """Every desk the user's roles call for, most hands-on first."""
    roles = list(OrgRole.objects.filter(user=user).select_related("org").order_by("org__path", "role"))
    recording = {Role.SECRETARY, Role.DEPUTY_SECRETARY, Role.ORGANIZATION_MEMBER}
    branches = list({r.org.pk: r.org for r in roles if r.role in recording and r.org and r.org.is_branch}.values())
    uppers = list({r.org.pk: r.org for r in roles if r.role in SUBTREE_ROLES and r.org is not None}.values())
    member = getattr(user, "member", None)
    return {
        "roles": roles,
        "branch_desks": branch_desks(branches, now=now),
        "member_desk": member_desk(member, now=now) if member is not None else None,
        "upper_desks": upper_desks(uppers, now=now),
        "admin_desk": admin_desk(now=now) if is_global_admin(user) else None,
    }


@dataclass
class OrgState:
    overdue: int  # open meeting alerts past their 补记 window in the subtree
    late: int  # open meeting alerts still inside it (待补记)
    term: str  # "" / "expiring" / "expired"

    @property
    def term_label(self) -> str:
        return {"expiring": "即将届满", "expired": "已届满"}.get(self.term, "")


def org_states(orgs: list[Organization], *, today: date) -> dict[int, OrgState]:
    """Each listed organization's state in two queries (one aggregate over the open meeting alerts, one
    for the term reminder policy), whatever the size of the page or the tree."""
    if not orgs:
        return {}
    overdue_q = Q(kind=Alert.Kind.MEETING_OVERDUE, level=Alert.Level.SERIOUS)
    late_q = Q(kind=Alert.Kind.MEETING_OVERDUE, level=Alert.Level.WARNING)
    sums = {}
    for org in orgs:
        inside = Q(org__path__startswith=org.path)
        sums[f"o{org.pk}"] = Count("pk", filter=inside & overdue_q)
        sums[f"l{org.pk}"] = Count("pk", filter=inside & late_q)
    counts = Alert.objects.filter(closed_at__isnull=True, kind=Alert.Kind.MEETING_OVERDUE).aggregate(**sums)
    with_term = [o for o in orgs if o.term_end]
    months = policy_values(PolicyValue.Key.TERM_REMINDER_MONTHS, with_term, at=today) if with_term else {}
    states = {}
    for org in orgs:
        term = ""
        if org.term_end and org.term_end < today:
            term = "expired"
        elif org.term_end and today >= add_months(org.term_end, -months[org.pk]):
            term = "expiring"
        states[org.pk] = OrgState(overdue=counts[f"o{org.pk}"], late=counts[f"l{org.pk}"], term=term)
    return states
