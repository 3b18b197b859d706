"""Derived attendance figures: 应到/实到/正式/预备/缺席, quorum, and the member × month grid. Pure
functions of attendance rows: pages, the API and the record book all count with these."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from meetings.models import Attendance, Kind
from members.models import Member


@dataclass(frozen=True)
class Summary:
    expected: int
    present: int
    present_full: int
    present_probationary: int
    leave: list[tuple[str, str]] = field(default_factory=list)  # (name, reason)
    absent: list[tuple[str, str]] = field(default_factory=list)
    late: list[str] = field(default_factory=list)
    left_early: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.present / self.expected if self.expected else 0.0


def summarize(rows: Iterable[Attendance]) -> Summary:
    rows = list(rows)
    present = [r for r in rows if r.status == Attendance.Status.PRESENT]
    return Summary(
        expected=len(rows),
        present=len(present),
        present_full=sum(1 for r in present if r.category == Member.Category.FULL),
        present_probationary=sum(1 for r in present if r.category == Member.Category.PROBATIONARY),
        leave=[(r.member.name, r.reason) for r in rows if r.status == Attendance.Status.LEAVE],
        absent=[(r.member.name, r.reason) for r in rows if r.status == Attendance.Status.ABSENT],
        late=[r.member.name for r in rows if r.late],
        left_early=[r.member.name for r in rows if r.left_early],
    )


@dataclass(frozen=True)
class Quorum:
    kind: str
    expected: int
    present: int
    met: bool
    explanation: str


# (status, has_vote, committee) per attendance row; committee: a 支委 on the meeting date
QuorumRow = tuple[str, bool, bool]


def quorums(kinds: Iterable[str], rows: Iterable[QuorumRow], *, exempt_voters: int = 0,
            exempt_committee: int = 0) -> list[Quorum]:
    """Quorum checks for the kinds that vote, from the attendance rows and the members exempted from
    the meeting who still count (Meeting.exempt_voters / exempt_committee).

    支部党员大会: more than half of 应到会有表决权的党员 present (支部条例 第十一条; 预备党员 and members
    under 留党察看 have none; exempted members count unless left out with the upper level's consent).
    支委会: more than half of the 委员 present (第十二条) — the committee's own members, even when the
    meeting also counts for other kinds and the whole branch attended.
    """
    kinds = set(kinds)
    rows = list(rows)
    result = []
    if Kind.BRANCH_ASSEMBLY in kinds:
        voters = [status for status, vote, _c in rows if vote]
        expected = len(voters) + exempt_voters
        present = voters.count(Attendance.Status.PRESENT)
        met = present * 2 > expected
        verdict = "超过半数，可以进行表决" if met else "未超过半数，不能进行表决"
        of_whom = f"（含暂不参加组织生活{exempt_voters}人）" if exempt_voters else ""
        result.append(Quorum(Kind.BRANCH_ASSEMBLY, expected, present, met,
                             f"支部党员大会：应到会有表决权的党员{expected}人{of_whom}，实到{present}人，{verdict}（支部条例 第十一条）。"))
    if Kind.BRANCH_COMMITTEE in kinds:
        only_committee = kinds == {Kind.BRANCH_COMMITTEE}  # its roster is the committee by construction
        members = [status for status, _v, committee in rows if committee or only_committee]
        expected = len(members) + exempt_committee
        present = members.count(Attendance.Status.PRESENT)
        met = present * 2 > expected
        verdict = "超过半数，会议有效" if met else "未超过半数，会议不能进行"
        of_whom = f"（含暂不参加组织生活{exempt_committee}人）" if exempt_committee else ""
        result.append(Quorum(Kind.BRANCH_COMMITTEE, expected, present, met,
                             f"支委会：应到委员{expected}人{of_whom}，实到{present}人，{verdict}（支部条例 第十二条）。"))
    return result


def meeting_quorums(meeting, rows: Iterable[Attendance] | None = None) -> list[Quorum]:
    """The quorums of a recorded meeting (`rows`: its attendance, if already loaded)."""
    rows = meeting.attendance.all() if rows is None else rows
    return quorums(meeting.kind_values, [(r.status, r.has_vote, r.committee) for r in rows],
                   exempt_voters=meeting.exempt_voters, exempt_committee=meeting.exempt_committee)


@dataclass(frozen=True)
class MonthCell:
    expected: int = 0
    present: int = 0
    leave: int = 0
    absent: int = 0


@dataclass(frozen=True)
class GridRow:
    member_id: int
    name: str
    category: str  # the label: 正式党员 / 预备党员
    months: tuple[MonthCell, ...]  # January..December
    expected: int
    present: int

    @property
    def rate(self) -> str:
        return f"{self.present * 100 // self.expected}%" if self.expected else "—"


# (member id, name, category, month 1–12, attendance status): one attendance row of a held meeting
YearMark = tuple[int, str, str, int, str]
_COLUMN = {Attendance.Status.PRESENT: 1, Attendance.Status.LEAVE: 2, Attendance.Status.ABSENT: 3}


def member_month_grid(marks: Iterable[YearMark], roster: Iterable[Member]) -> list[GridRow]:
    """Each member's year month by month (expected / present / leave / absent), by name; members of
    `roster` expected at nothing still get a row."""
    cells: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0, 0, 0]))
    names: dict[int, tuple[str, str]] = {}
    for member_id, name, category, month, status in marks:
        names.setdefault(member_id, (name, category))
        cell = cells[member_id][month]
        cell[0] += 1
        cell[_COLUMN[status]] += 1
    for member in roster:
        names.setdefault(member.pk, (member.name, member.category))
    label = dict(Member.Category.choices)
    rows = []
    for member_id, (name, category) in sorted(names.items(), key=lambda item: (item[1][0], item[0])):
        months = tuple(MonthCell(*cells[member_id][m]) if m in cells[member_id] else MonthCell() for m in range(1, 13))
        rows.append(GridRow(member_id, name, label.get(category, category), months,
                            sum(c.expected for c in months), sum(c.present for c in months)))
    return rows
