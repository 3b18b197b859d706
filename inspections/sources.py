"""Sources of the six-month clock: per-member monthly facts computed in SQL (a few grouped queries
for the whole tree, never one per member). A second source (unpaid dues, 党费规定 第十三条) plugs in
by implementing `MemberSource`; the clock and the scanner stay as they are."""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from django.db.models import Count, Exists, Max, OuterRef, Q
from django.db.models.fields import DateField
from django.db.models.functions import TruncMonth

from core.bulk import IN_CHUNK
from core.dates import month_start, next_month_start
from inspections.clock import MonthFact
from inspections.models import Alert, FlagAction
from meetings.models import Attendance, Exemption, Kind, LeaveRequest, Meeting
from meetings.periods import local_midnight
from members.models import Member


@dataclass
class MemberMonths:
    member_id: int
    name: str
    branch_id: int
    facts: dict[date, MonthFact] = field(default_factory=dict)
    since: date | None = None  # the month he joined the Party: the clock does not run before it


class MemberSource(Protocol):
    key: str  # the subject prefix: "absence" → subject "absence:<member id>"
    alert_kind: str
    noun: str  # what the member did not do, for the explanation: "未参加党的组织生活"
    article: str

    def facts(self, *, months: list[date], now: datetime, recent: int) -> dict[int, MemberMonths]:
        """Facts for `months` (newest first, the running month first) of every member whose run may
        reach the lowest threshold; `recent` = that threshold (members who took part in the last
        `recent` months cannot reach it and may be left out)."""
        ...


def _held(now: datetime, start: date) -> Q:
    """Held meetings from `start` that existed at `now` (a meeting recorded later did not)."""
    return Q(meeting__status=Meeting.Status.HELD, meeting__held_at__gte=local_midnight(start),
             meeting__held_at__lte=now, meeting__recorded_at__lte=now)


_MONTH = TruncMonth("meeting__held_at", output_field=DateField())

# A missed meeting is excused by 请假 with a 事由 (an approved leave fills the row as 请假 with its reason),
# or by an approved leave request for it even where the row was marked 缺席; anything else missed is 无故.
_EXCUSED_ROW = Q(status=Attendance.Status.LEAVE) & ~Q(reason="")


def _month_rows(attendance):
    """(member id, month, expected, present, unexcused misses) per member and month of `attendance`."""
    return list(attendance.values("member_id", month=_MONTH)
                .annotate(n=Count("id"), present=Count("id", filter=Q(status=Attendance.Status.PRESENT)),
                          unexcused=Count("id", filter=~Q(status=Attendance.Status.PRESENT) & ~_EXCUSED_ROW))
                .values_list("member_id", "month", "n", "present", "unexcused"))


def _absent_with_leave(attendance) -> dict[tuple[int, date], int]:
    """{(member id, month): 缺席 rows of `attendance` covered by an approved leave request} — a join
    from the (small) approved-leave table rather than a subquery per attendance row."""
    approved = LeaveRequest.objects.filter(member_id=OuterRef("member_id"), meeting_id=OuterRef("meeting_id"),
                                           status=LeaveRequest.Status.APPROVED)
    return {(member_id, month): n for member_id, month, n in
            attendance.filter(Exists(approved), status=Attendance.Status.ABSENT)
            .values("member_id", month=_MONTH).annotate(n=Count("id")).values_list("member_id", "month", "n")}


def _fold_leave(rows, covered: dict[tuple[int, date], int]):
    return [(member_id, month, n, present, unexcused - covered.get((member_id, month), 0))
            for member_id, month, n, present, unexcused in rows]


def _combine(rows, exemptions, justified, months: list[date], members: dict[int, MemberMonths]) -> None:
    """Fold the grouped rows into MonthFacts. A month is excused only if every meeting the member
    missed in it was excused (domain-rules "Clarifications": one 请假 does not excuse the month)."""
    for member_id, month, expected, present, unexcused in rows:
        if member_id not in members:
            continue
        members[member_id].facts[month] = MonthFact(month, expected > 0, present > 0,
                                                    expected > present and unexcused == 0)
    for member_id, months_excused in justified.items():
        if member_id not in members:
            continue
        for month in months:
            if month <= months_excused:
                old = members[member_id].facts.get(month) or MonthFact(month, False, False, False)
                members[member_id].facts[month] = MonthFact(month, old.expected, old.attended, True, old.exempt)
    for member_id, starts_on, ends_on in exemptions:
        if member_id not in members:
            continue
        for month in months:
            if starts_on < next_month_start(month) and ends_on >= month:
                old = members[member_id].facts.get(month) or MonthFact(month, False, False, False)
                members[member_id].facts[month] = MonthFact(month, old.expected, old.attended, old.excused, True)


class AttendanceSource:
    """党章 第九条 "不参加党的组织生活": every calendar month since the member last took part, had all
    his misses of a month excused (请假 with a 事由), an approved 暂不参加组织生活, or a 正当理由
    recorded by the branch (inspections.clock.consecutive_run)."""

    key = "absence"
    alert_kind = Alert.Kind.MEMBER_ABSENT
    noun = "未参加党的组织生活"
    article = "党章 第九条"

    def candidates(self, *, months: list[date], now: datetime, recent: int):
        """Active members with no 出席 in the running month and the `recent` completed months before
        it (the NOT EXISTS anti-join of stack-notes §M.2): only they can have a run of `recent`."""
        present = Attendance.objects.filter(_held(now, months[min(recent, len(months) - 1)]), member=OuterRef("pk"),
                                            status=Attendance.Status.PRESENT)
        return Member.objects.filter(status=Member.Status.NORMAL).exclude(Exists(present))

    def facts(self, *, months: list[date], now: datetime, recent: int) -> dict[int, MemberMonths]:
        candidates = self.candidates(months=months, now=now, recent=recent)
        members = {pk: MemberMonths(pk, name, branch_id, since=month_start(joined_on)) for pk, name, branch_id, joined_on
                   in candidates.values_list("pk", "name", "branch_id", "joined_on")}
        if not members:
            return {}
        start = months[-1]
        rows, exemptions, justified = [], [], {}
        # The anti-join runs once; its (few) ids are then passed as lists, in chunks under
        # PostgreSQL's parameter limit, rather than re-running it as a subquery in every query below.
        ids_all = list(members)
        for i in range(0, len(ids_all), IN_CHUNK):
            ids = ids_all[i:i + IN_CHUNK]
            held = Attendance.objects.filter(_held(now, start), member_id__in=ids)
            rows += _fold_leave(_month_rows(held), _absent_with_leave(held))
            exemptions += Exemption.objects.filter(member_id__in=ids, status=Exemption.Status.APPROVED,
                                                   starts_on__lte=months[0], ends_on__gte=start
                                                   ).values_list("member_id", "starts_on", "ends_on")
            justified |= {member_id: day.replace(day=1) for member_id, day in
                          FlagAction.objects.filter(member_id__in=ids, kind=FlagAction.Kind.JUSTIFIED,
                                                    recorded_at__lte=now)
                          .values("member_id").annotate(day=Max("happened_on")).values_list("member_id", "day")}
        _combine(rows, exemptions, justified, months, members)
        return members


def theme_day_facts(*, branch_ids: list[int], months: list[date], now: datetime) -> dict[int, MemberMonths]:
    """Per member and month of `months`: expected at / present at a 主题党日, for the optional local rule."""
    if not branch_ids or not months:
        return {}
    start = min(months)
    held = Attendance.objects.filter(_held(now, start), meeting__kinds__kind=Kind.THEME_DAY,
                                     member__branch_id__in=branch_ids, member__status=Member.Status.NORMAL)
    rows = _fold_leave(_month_rows(held), _absent_with_leave(held))
    members = {pk: MemberMonths(pk, name, branch_id) for pk, name, branch_id in
               Member.objects.filter(branch_id__in=branch_ids, status=Member.Status.NORMAL)
               .values_list("pk", "name", "branch_id")}
    exemptions = Exemption.objects.filter(member__branch_id__in=branch_ids, status=Exemption.Status.APPROVED,
                                          starts_on__lt=next_month_start(max(months)), ends_on__gte=start
                                          ).values_list("member_id", "starts_on", "ends_on")
    _combine(rows, [e for e in exemptions if e[0] in members], {}, months, members)
    return members
