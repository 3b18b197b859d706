"""The book as a list of sections made by SECTION_BUILDERS, in printed order (domain-rules §11,
composite layout). When a record type arrives (annual plan, 整改清单, 民主评议 results, 谈心谈话,
inspection remarks), its builder fills the section that today only says so. Nothing is typed for the
book alone; a section without records says so instead of disappearing."""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from branches.models import Organization
from meetings.attendance import member_month_grid
from meetings.compliance import RuleState, State
from meetings.models import Kind, QuotaRule
from meetings.recordbook.source import BookSource, MeetingRecord, load_source
from members.models import Member

CHINESE_NUMERALS = "一二三四五六七八九十"


@dataclass(frozen=True)
class MeetingEntry:
    """A meeting as it appears in one kind's section (a meeting of several kinds appears in each)."""

    anchor: str
    number: int
    meeting: MeetingRecord
    also: str  # the other kinds it counts for, "" if none


@dataclass(frozen=True)
class RuleSummary:
    label: str
    requirement: str
    periods: int
    met: int
    shortfalls: tuple[str, ...]  # "已逾期：1月、2月" per state, for the periods not met


@dataclass
class Section:
    key: str  # anchor and CSS hook
    title: str
    template: str  # partial under meetings/pdf/
    empty_text: str = ""  # printed when the section has nothing to show
    context: dict = field(default_factory=dict)
    entries: list[MeetingEntry] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # honest lines about records the system does not keep yet
    number: str = ""  # 一、二… set when the book is assembled

    @property
    def heading(self) -> str:
        return f"{self.number}、{self.title}" if self.number else self.title

    @property
    def template_name(self) -> str:
        """A bare name is a partial under meetings/pdf/; a path (a provider's own partial) is used as is."""
        return self.template if "/" in self.template else f"meetings/pdf/{self.template}"


@dataclass
class RecordBook:
    branch_name: str
    branch_code: str
    parent_name: str
    year: int
    secretary: str
    organization_member: str
    period: str
    generated_at: datetime
    sections: list[Section]

    @property
    def title(self) -> str:
        return f"{self.branch_name}{self.year}年度活动情况记录册"

    @property
    def filename(self) -> str:
        return f"{self.title}.pdf"


NO_RECORDS = "本年度暂无记录。"


def instructions(src: BookSource) -> Section:
    return Section("instructions", "使用说明", "_instructions.html",
                   context={"deadline": f"{src.year + 1}年1月10日"})


def branch_basics(src: BookSource) -> Section:
    posts = list(Member.COMMITTEE_POSTS)
    committee = sorted((m for m in src.roster if m.party_post in posts),
                       key=lambda m: (posts.index(m.party_post), m.name))
    group_sizes: dict[int, int] = defaultdict(int)
    for m in src.roster:
        if m.party_group_id:
            group_sizes[m.party_group_id] += 1
    groups = [{"name": g.name, "leader": g.leader.name if g.leader else "", "size": group_sizes[g.pk],
               "set_up_on": g.set_up_on} for g in src.groups]
    return Section("basics", "党支部基本情况", "_basics.html", context={
        "branch": src.branch, "parent": src.branch.parent, "facts": src.facts, "committee": committee,
        "groups": groups, "as_of": src.as_of,
    })


def roster(src: BookSource) -> Section:
    return Section("roster", "党员花名册", "_roster.html", empty_text="本年度名册中没有党员。",
                   context={"members": src.roster, "as_of": src.as_of, "branch_name": src.branch.name})


def registers(src: BookSource) -> Section:
    """流动党员 / 失联党员 / 暂不参加组织生活党员 登记 (composite layout item 6), from the roster and the
    year's approved exemptions, each with its dates and reason."""
    mobile = [m for m in src.roster if m.is_mobile]
    lost = [m for m in src.roster if m.lost_contact]
    return Section("registers", "流动党员、失联党员、暂不参加组织生活党员登记", "_registers.html",
                   context={"mobile": mobile, "lost": lost, "exemptions": src.exemptions, "as_of": src.as_of,
                            "year": src.year})


def annual_plan(src: BookSource) -> Section:
    return Section("plan", "年度工作计划", "_plan.html",
                   notes=["本系统尚未记录年度工作计划文本（待上线后自动列入）。"],
                   context={"planned": src.planned})


def _meeting_section(kind: str, title: str, *, extra_notes: list[str] | None = None,
                     unavailable: Callable[[BookSource], str] | None = None) -> Callable[[BookSource], Section]:
    def build(src: BookSource) -> Section:
        meetings = src.meetings_of(kind)
        empty = (unavailable(src) if unavailable else "") or f"本年度暂无{title}。"
        entries = [MeetingEntry(f"{kind}-{m.pk}", i, m, m.other_kind_labels(kind)) for i, m in enumerate(meetings, 1)]
        return Section(kind, title, "_meetings.html", empty_text=empty, entries=entries,
                       notes=list(extra_notes or []))

    build.__name__ = f"{kind}_records"
    return build


def _no_committee(src: BookSource) -> str:
    if src.facts.needs_committee or src.meetings_of(Kind.BRANCH_COMMITTEE):
        return ""
    return f"本支部正式党员{src.facts.full_member_count}人，未设支部委员会，本年度无支委会记录。"


def _no_groups(src: BookSource) -> str:
    if src.groups or src.meetings_of(Kind.GROUP_MEETING):
        return ""
    return "本支部未划分党小组，本年度无党小组会记录。"


def talks(src: BookSource) -> Section:
    return Section("talks", "谈心谈话记录", "_notes.html",
                   notes=["本系统尚未记录谈心谈话（谈话人、对象、时间、地点、主要内容），本年度暂无记录。"])


def attendance_summary(src: BookSource) -> Section:
    rows = member_month_grid(src.attendance, src.roster) if src.attendance or src.roster else []
    return Section("attendance", "党员参加组织生活考勤汇总", "_attendance.html", empty_text="本年度暂无考勤记录。",
                   context={"rows": rows, "months": range(1, 13)})


def _short_period(label: str, year: int) -> str:
    return label.removeprefix(f"{year}年") or label


def compliance_summary(src: BookSource) -> Section:
    grouped: dict[tuple, list[RuleState]] = defaultdict(list)
    for state in src.compliance:
        if state.state != State.NOT_APPLICABLE:
            grouped[(state.kind, state.party_group_name, state.period.kind, state.required)].append(state)
    order = [kind for kind, _label in QuotaRule.KIND_CHOICES]
    rows = []
    for (_kind, group, _, required), states in sorted(grouped.items(), key=lambda item: (order.index(item[0][0]), item[0][1])):
        label = states[0].kind_label
        missing: dict[str, list[str]] = defaultdict(list)  # state label -> periods, in calendar order
        for s in states:
            if s.state not in (State.MET, State.EXEMPT):
                missing[s.state_label].append(_short_period(s.period.label, src.year))
        rows.append(RuleSummary(
            label=f"{label}（{group}）" if group else label,
            requirement=f"每{states[0].period.unit}{required}次",
            periods=len(states),
            met=sum(1 for s in states if s.state in (State.MET, State.EXEMPT)),
            shortfalls=tuple(f"{state_label}：{'、'.join(periods)}" for state_label, periods in missing.items()),
        ))
    return Section("compliance", "组织生活完成情况", "_compliance.html", empty_text="本年度没有适用的组织生活要求。",
                   context={"rows": rows, "now": timezone.localtime(src.now)})


def inspection_remarks(src: BookSource) -> Section:
    return Section("inspection", "上级党组织检查意见", "_inspection.html",
                   notes=["本系统尚未记录上级党组织的检查意见，本年度暂无记录。"])


# Sections whose records live on a higher floor (reviews/: 组织生活会 and its 整改清单, 民主评议党员, 谈心谈话,
# 警示教育). That app registers a provider from its AppConfig.ready(); without one, the book prints the
# default below (the meetings of the kind, or a note that there are no records).
SectionProvider = Callable[[BookSource, Section], Section]
PROVIDED_SECTIONS = (Kind.LIFE_MEETING, Kind.MEMBER_REVIEW, "talks", Kind.WARNING_EDUCATION)
_providers: dict[str, SectionProvider] = {}


def register_section(key: str, provider: SectionProvider) -> None:
    """Fill the placeholder section `key` with `provider(src, default) -> Section`. The provider loads
    its branch-year records with a constant number of queries and may keep the default's entries."""
    if key not in PROVIDED_SECTIONS:
        raise ValueError(f"record book section {key!r} takes no provider; known: {', '.join(PROVIDED_SECTIONS)}")
    _providers[key] = provider


def _provided(key: str, default: Callable[[BookSource], Section]) -> Callable[[BookSource], Section]:
    def build(src: BookSource) -> Section:
        section = default(src)
        provider = _providers.get(key)
        return provider(src, section) if provider else section

    build.__name__ = f"{key}_section"
    return build


SECTION_BUILDERS: list[Callable[[BookSource], Section]] = [
    instructions,
    branch_basics,
    roster,
    registers,
    annual_plan,
    _meeting_section(Kind.BRANCH_ASSEMBLY, "支部党员大会记录"),
    _meeting_section(Kind.BRANCH_COMMITTEE, "支部委员会会议记录", unavailable=_no_committee),
    _meeting_section(Kind.GROUP_MEETING, "党小组会记录", unavailable=_no_groups),
    _meeting_section(Kind.PARTY_LECTURE, "党课记录"),
    _meeting_section(Kind.THEME_DAY, "主题党日记录"),
    _provided(Kind.LIFE_MEETING, _meeting_section(Kind.LIFE_MEETING, "组织生活会记录",
                                                  extra_notes=["整改清单：本系统尚未记录整改清单，本年度暂无记录。"])),
    _provided(Kind.MEMBER_REVIEW, _meeting_section(Kind.MEMBER_REVIEW, "民主评议党员记录",
                                                   extra_notes=["评议结果：本系统尚未记录民主测评汇总与评定结果，本年度暂无记录。"])),
    _provided("talks", talks),
    _provided(Kind.WARNING_EDUCATION, _meeting_section(Kind.WARNING_EDUCATION, "警示教育记录")),
    attendance_summary,
    compliance_summary,
    inspection_remarks,
]


def build_record_book(*, branch: Organization, year: int, now: datetime | None = None) -> RecordBook:
    now = now or timezone.now()
    src = load_source(branch=branch, year=year, now=now)
    sections = [build(src) for build in SECTION_BUILDERS]
    numbered = [s for s in sections if s.key != "instructions"]  # 使用说明 precedes the numbered sections
    for i, section in enumerate(numbered):
        section.number = _chinese_number(i + 1)
    by_post = {m.party_post: m.name for m in src.roster}
    return RecordBook(
        branch_name=branch.name,
        branch_code=branch.code,
        parent_name=branch.parent.name if branch.parent_id else "",
        year=year,
        secretary=by_post.get(Member.Post.SECRETARY, ""),
        organization_member=by_post.get(Member.Post.ORGANIZATION_MEMBER, ""),
        period=f"{year}年1月1日至{year}年12月31日",
        generated_at=timezone.localtime(now),
        sections=sections,
    )


def _chinese_number(n: int) -> str:
    if n <= 10:
        return CHINESE_NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else CHINESE_NUMERALS[tens - 1]) + "十" + (CHINESE_NUMERALS[ones - 1] if ones else "")
