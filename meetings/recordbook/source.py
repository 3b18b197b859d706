"""The source of a record book: one branch-year's records loaded into plain dataclasses with a
constant number of queries (whatever the number of meetings or members). Builders read only this."""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q
from django.utils import timezone

from branches.models import Organization, PartyGroup
from meetings.attendance import YearMark, meeting_quorums, summarize
from meetings.compliance import RuleState, compliance_for_branch
from meetings.models import Attendance, Exemption, Kind, Meeting, ResolutionItem
from meetings.periods import local_midnight
from members.models import Member
from members.selectors import BranchFacts, branch_facts, roster_at


class RecordBookError(ValidationError):
    """A record book that cannot be made (not a branch, no such year…), with a Chinese message."""


@dataclass(frozen=True)
class Absentee:
    name: str
    status: str  # 请假 / 缺席
    reason: str


@dataclass(frozen=True)
class MeetingRecord:
    """One meeting with every §10 minute field, ready to print."""

    pk: int
    kinds: tuple[str, ...]
    held_at: datetime  # local time
    ended_at: datetime | None
    place: str
    topic: str
    host: str
    recorder: str
    lecturer: str
    party_group: str
    guests: str
    minutes: tuple[str, ...]  # paragraphs
    resolutions: tuple[str, ...]
    expected: int
    present: int
    present_full: int
    present_probationary: int
    attendees: tuple[str, ...]
    absentees: tuple[Absentee, ...]
    late_or_early: tuple[str, ...]  # "张三（迟到）"
    late_entry: bool
    recorded_at: datetime  # local time
    quorums: tuple[str, ...] = ()  # the quorum line of each kind that votes (支部条例 第十一、十二条)
    votes: tuple[tuple[int, str, str], ...] = ()  # (序号, 表决事项, tally and outcome)

    @property
    def kind_labels(self) -> str:
        return "、".join(Kind(k).label for k in self.kinds)

    def other_kind_labels(self, kind: str) -> str:
        return "、".join(Kind(k).label for k in self.kinds if k != kind)


@dataclass
class BookSource:
    """Everything loaded for one branch-year; builders read only this (no queries of their own)."""

    branch: Organization
    year: int
    as_of: date
    now: datetime
    roster: list[Member]
    groups: list[PartyGroup]
    meetings: list[MeetingRecord]
    planned: list[MeetingRecord]
    facts: BranchFacts
    compliance: list[RuleState]
    attendance: list[YearMark]  # member id, name, category, month, status
    exemptions: list[Exemption] = field(default_factory=list)  # members' approved 暂不参加组织生活 overlapping the year

    def meetings_of(self, kind: str) -> list[MeetingRecord]:
        return [m for m in self.meetings if kind in m.kinds]


def _paragraphs(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in text.replace("\r\n", "\n").split("\n") if line.strip())


def _meeting_record(meeting: Meeting, kind_order: list[str]) -> MeetingRecord:
    rows = list(meeting.attendance.all())  # prefetched, ordered by name
    present = [a for a in rows if a.status == Attendance.Status.PRESENT]
    counts = summarize(rows)
    status_label = dict(Attendance.Status.choices)
    return MeetingRecord(
        pk=meeting.pk,
        kinds=tuple(sorted((k.kind for k in meeting.kinds.all()), key=kind_order.index)),
        held_at=timezone.localtime(meeting.held_at),
        ended_at=timezone.localtime(meeting.ended_at) if meeting.ended_at else None,
        place=meeting.place,
        topic=meeting.topic,
        host=meeting.host.name if meeting.host else "",
        recorder=meeting.recorder.name if meeting.recorder else "",
        lecturer=meeting.lecturer,
        party_group=meeting.party_group.name if meeting.party_group else "",
        guests=meeting.guests,
        minutes=_paragraphs(meeting.minutes),
        resolutions=_paragraphs(meeting.resolutions),
        expected=counts.expected,
        present=counts.present,
        present_full=counts.present_full,
        present_probationary=counts.present_probationary,
        attendees=tuple(a.member.name for a in present),
        absentees=tuple(Absentee(a.member.name, status_label[a.status], a.reason) for a in rows
                        if a.status != Attendance.Status.PRESENT),
        late_or_early=tuple(f"{a.member.name}（{'、'.join(x for x, on in (('迟到', a.late), ('早退', a.left_early)) if on)}）"
                            for a in present if a.late or a.left_early),
        late_entry=meeting.late_entry,
        recorded_at=timezone.localtime(meeting.recorded_at),
        quorums=tuple(q.explanation for q in meeting_quorums(meeting, rows)),
        votes=tuple((item.position, item.text, item.verdict) for item in meeting.resolution_items.all()),
    )


# ordered by position only: the model's ordering by meeting would join meetings without the branch key
_ITEMS = Prefetch("resolution_items", queryset=ResolutionItem.objects.order_by("position"))


def load_source(*, branch: Organization, year: int, now: datetime) -> BookSource:
    """The branch-year's records in a constant number of queries (asserted in the tests)."""
    if not branch.is_branch:
        raise RecordBookError(f"“{branch.name}”不是党支部：记录册按党支部编制，请选择其下属党支部。")
    start, end = local_midnight(date(year, 1, 1)), local_midnight(date(year + 1, 1, 1))
    as_of = max(date(year, 1, 1), min(timezone.localdate(now), date(year, 12, 31)))
    attendance = Attendance.objects.select_related("member").only(
        "id", "meeting_id", "status", "reason", "late", "left_early", "category", "has_vote", "committee", "member",
        "member__name",
    ).order_by("member__name", "member_id")
    meetings = list(
        Meeting.objects.filter(branch=branch, held_at__gte=start, held_at__lt=end)
        .select_related("host", "recorder", "party_group")
        .only("id", "status", "held_at", "ended_at", "place", "topic", "lecturer", "minutes", "resolutions",
              "guests", "late_entry", "recorded_at", "host", "recorder", "party_group", "host__name",
              "recorder__name", "party_group__name", "exempt_voters", "exempt_committee")
        .prefetch_related("kinds", Prefetch("attendance", queryset=attendance), _ITEMS)
        .order_by("held_at", "pk")
    )
    kind_order = list(Kind.values)
    held = [_meeting_record(m, kind_order) for m in meetings if m.status == Meeting.Status.HELD]
    planned = [_meeting_record(m, kind_order) for m in meetings if m.status == Meeting.Status.PLANNED]
    month_rows = [(a.member_id, a.member.name, a.category, timezone.localtime(m.held_at).month, a.status)
                  for m in meetings if m.status == Meeting.Status.HELD for a in m.attendance.all()]
    return BookSource(
        branch=branch,
        year=year,
        as_of=as_of,
        now=now,
        roster=list(roster_at(branch, as_of).select_related("party_group").order_by("name", "id")),
        # the facts of the book's year (on as_of), not today's: a group set up later is not in this book
        groups=list(PartyGroup.objects.filter(branch=branch, set_up_on__lte=as_of)
                    .filter(Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=as_of))
                    .select_related("leader").order_by("name")),
        meetings=held,
        planned=planned,
        facts=branch_facts(branch, at=as_of),
        compliance=compliance_for_branch(branch, year=year, now=now),
        attendance=month_rows,
        exemptions=list(Exemption.objects.filter(branch=branch, member__isnull=False, status=Exemption.Status.APPROVED,
                                                 starts_on__lte=date(year, 12, 31), ends_on__gte=date(year, 1, 1))
                        .select_related("member").order_by("starts_on", "member__name")),
    )


def meeting_record(meeting_id: int) -> MeetingRecord:
    attendance = Attendance.objects.select_related("member").order_by("member__name", "member_id")
    meeting = (Meeting.objects.select_related("host", "recorder", "party_group")
               .prefetch_related("kinds", Prefetch("attendance", queryset=attendance), _ITEMS)
               .get(pk=meeting_id))
    return _meeting_record(meeting, list(Kind.values))
