"""《基层党支部活动情况记录册》: the yearly record book of one branch, from the records alone.

`build_record_book` loads a branch-year with a constant number of queries (whatever the number of
meetings or members) into plain dataclasses; `render_record_book` lays them out with WeasyPrint from
templates/meetings/pdf/recordbook.html. The book is a list of sections made by SECTION_BUILDERS, in
printed order (domain-rules §11, composite layout): when a record type arrives (annual plan, 整改清单,
民主评议 results, 谈心谈话, inspection remarks), its builder fills the section that today only says so.

Nothing is typed for the book alone; a section without records says so instead of disappearing.
"""

import io
import zipfile
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import timezone

from branches.models import Organization, PartyGroup
from branches.selectors import BranchFacts, branch_facts, branches_under
from meetings.compliance import RuleState, State, compliance_for_branch
from meetings.models import Attendance, Kind, Meeting, QuotaRule, RecordBookBatch
from meetings.periods import local_midnight
from members.models import Member
from members.selectors import roster_at

TEMPLATE = "meetings/pdf/recordbook.html"
STYLESHEET = "css/recordbook.css"
# The document's own origin: relative and /static/ URLs resolve under it, and the fetcher serves
# nothing else (stack-notes §2.5: no file://, no network, whatever the HTML says).
BASE_URL = "https://orglife-book.invalid/"
CHINESE_NUMERALS = "一二三四五六七八九十"


class RecordBookError(ValidationError):
    """A record book that cannot be made (not a branch, no such year…), with a Chinese message."""


# --- data -------------------------------------------------------------------------------------------


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

    @property
    def kind_labels(self) -> str:
        return "、".join(Kind(k).label for k in self.kinds)

    def other_kind_labels(self, kind: str) -> str:
        return "、".join(Kind(k).label for k in self.kinds if k != kind)


@dataclass(frozen=True)
class MeetingEntry:
    """A meeting as it appears in one kind's section (a meeting of several kinds appears in each)."""

    anchor: str
    number: int
    meeting: MeetingRecord
    also: str  # the other kinds it counts for, "" if none


@dataclass(frozen=True)
class MonthCell:
    expected: int = 0
    present: int = 0
    leave: int = 0
    absent: int = 0


@dataclass(frozen=True)
class AttendanceRow:
    name: str
    category: str
    months: tuple[MonthCell, ...]  # January..December
    expected: int
    present: int

    @property
    def rate(self) -> str:
        return f"{self.present * 100 // self.expected}%" if self.expected else "—"


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
    attendance: list[tuple[int, str, str, int, str]]  # member id, name, category, month, status

    def meetings_of(self, kind: str) -> list[MeetingRecord]:
        return [m for m in self.meetings if kind in m.kinds]


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


# --- loading ----------------------------------------------------------------------------------------


def _paragraphs(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in text.replace("\r\n", "\n").split("\n") if line.strip())


def _meeting_record(meeting: Meeting, kind_order: list[str]) -> MeetingRecord:
    rows = list(meeting.attendance.all())  # prefetched, ordered by name
    present = [a for a in rows if a.status == Attendance.Status.PRESENT]
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
        expected=len(rows),
        present=len(present),
        present_full=sum(1 for a in present if a.category == "full"),
        present_probationary=sum(1 for a in present if a.category != "full"),
        attendees=tuple(a.member.name for a in present),
        absentees=tuple(Absentee(a.member.name, status_label[a.status], a.reason) for a in rows
                        if a.status != Attendance.Status.PRESENT),
        late_or_early=tuple(f"{a.member.name}（{'、'.join(x for x, on in (('迟到', a.late), ('早退', a.left_early)) if on)}）"
                            for a in present if a.late or a.left_early),
        late_entry=meeting.late_entry,
        recorded_at=timezone.localtime(meeting.recorded_at),
    )


def load_source(*, branch: Organization, year: int, now: datetime) -> BookSource:
    """The branch-year's records in a constant number of queries (asserted in the tests)."""
    if not branch.is_branch:
        raise RecordBookError(f"“{branch.name}”不是党支部：记录册按党支部编制，请选择其下属党支部。")
    start, end = local_midnight(date(year, 1, 1)), local_midnight(date(year + 1, 1, 1))
    as_of = max(date(year, 1, 1), min(timezone.localdate(now), date(year, 12, 31)))
    attendance = Attendance.objects.select_related("member").only(
        "id", "meeting_id", "status", "reason", "late", "left_early", "category", "member", "member__name",
    ).order_by("member__name", "member_id")
    meetings = list(
        Meeting.objects.filter(branch=branch, held_at__gte=start, held_at__lt=end)
        .select_related("host", "recorder", "party_group")
        .only("id", "status", "held_at", "ended_at", "place", "topic", "lecturer", "minutes", "resolutions",
              "guests", "late_entry", "recorded_at", "host", "recorder", "party_group", "host__name",
              "recorder__name", "party_group__name")
        .prefetch_related("kinds", Prefetch("attendance", queryset=attendance))
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
        groups=list(PartyGroup.objects.filter(branch=branch).select_related("leader").order_by("name")),
        meetings=held,
        planned=planned,
        facts=branch_facts(branch, at=as_of),
        compliance=compliance_for_branch(branch, year=year, now=now),
        attendance=month_rows,
    )


# --- section builders -------------------------------------------------------------------------------
# Each takes the loaded source and returns one Section; SECTION_BUILDERS fixes the printed order.

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
    groups = [{"name": g.name, "leader": g.leader.name if g.leader else "", "size": group_sizes[g.pk]}
              for g in src.groups]
    return Section("basics", "党支部基本情况", "_basics.html", context={
        "branch": src.branch, "parent": src.branch.parent, "facts": src.facts, "committee": committee,
        "groups": groups, "as_of": src.as_of,
    })


def roster(src: BookSource) -> Section:
    return Section("roster", "党员花名册", "_roster.html", empty_text="本年度名册中没有党员。",
                   context={"members": src.roster, "as_of": src.as_of})


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
    cells: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0, 0, 0]))
    names: dict[int, tuple[str, str]] = {}
    index = {Attendance.Status.PRESENT: 1, Attendance.Status.LEAVE: 2, Attendance.Status.ABSENT: 3}
    for member_id, name, category, month, status in src.attendance:
        names.setdefault(member_id, (name, category))
        cell = cells[member_id][month]
        cell[0] += 1
        cell[index[status]] += 1
    for m in src.roster:  # members expected at nothing this year still get a row
        names.setdefault(m.pk, (m.name, m.category))
    category_label = dict(Member.Category.choices)
    rows = []
    for member_id, (name, category) in sorted(names.items(), key=lambda item: (item[1][0], item[0])):
        months = tuple(MonthCell(*cells[member_id][month]) if month in cells[member_id] else MonthCell()
                       for month in range(1, 13))
        rows.append(AttendanceRow(name, category_label.get(category, category), months,
                                  sum(c.expected for c in months), sum(c.present for c in months)))
    return Section("attendance", "党员参加组织生活考勤汇总", "_attendance.html", empty_text="本年度暂无考勤记录。",
                   context={"rows": rows if src.attendance or src.roster else [], "months": range(1, 13)})


def _short_period(label: str, year: int) -> str:
    return label.removeprefix(f"{year}年") or label


def compliance_summary(src: BookSource) -> Section:
    grouped: dict[tuple, list[RuleState]] = defaultdict(list)
    for state in src.compliance:
        if state.state != State.NOT_APPLICABLE:
            grouped[(state.kind, state.party_group_name, state.period.kind, state.required)].append(state)
    order = [*Kind.values, QuotaRule.ALL_ACTIVITIES]
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


SECTION_BUILDERS: list[Callable[[BookSource], Section]] = [
    instructions,
    branch_basics,
    roster,
    annual_plan,
    _meeting_section(Kind.BRANCH_ASSEMBLY, "支部党员大会记录"),
    _meeting_section(Kind.BRANCH_COMMITTEE, "支部委员会会议记录", unavailable=_no_committee),
    _meeting_section(Kind.GROUP_MEETING, "党小组会记录", unavailable=_no_groups),
    _meeting_section(Kind.PARTY_LECTURE, "党课记录"),
    _meeting_section(Kind.THEME_DAY, "主题党日记录"),
    _meeting_section(Kind.LIFE_MEETING, "组织生活会记录",
                     extra_notes=["整改清单：本系统尚未记录整改清单，本年度暂无记录。"]),
    _meeting_section(Kind.MEMBER_REVIEW, "民主评议党员记录",
                     extra_notes=["评议结果：本系统尚未记录民主测评汇总与评定结果，本年度暂无记录。"]),
    talks,
    _meeting_section(Kind.WARNING_EDUCATION, "警示教育记录"),
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


# --- rendering --------------------------------------------------------------------------------------


def _static_only_fetcher():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        """Serves the project's own static files and refuses everything else (file://, http…):
        minutes are untrusted input, and a PDF renderer that follows URLs can leak local files."""

        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            if f"{parts.scheme}://{parts.netloc}/" != BASE_URL or not parts.path.startswith("/static/"):
                raise ValueError(f"记录册只加载本系统的静态文件，已拒绝：{url}")
            relative = unquote(parts.path.removeprefix("/static/"))
            found = finders.find(relative) if ".." not in Path(relative).parts else None
            if not found:
                raise ValueError(f"静态文件不存在：{relative}")
            mime = "text/css" if relative.endswith(".css") else "application/octet-stream"
            return URLFetcherResponse(url, Path(found).read_bytes(), {"Content-Type": mime})

    return StaticOnlyFetcher()


@dataclass(frozen=True)
class RenderedBook:
    pdf: bytes
    pages: int
    filename: str


def render_record_book(book: RecordBook) -> RenderedBook:
    from weasyprint import HTML  # imported here: loading Pango costs time the rest of the app never needs

    html = render_to_string(TEMPLATE, {"book": book, "stylesheet": f"/static/{STYLESHEET}"})
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=_static_only_fetcher()).render()
    return RenderedBook(pdf=document.write_pdf(), pages=len(document.pages), filename=book.filename)


def record_book_pdf(*, branch: Organization, year: int, now: datetime | None = None) -> RenderedBook:
    return render_record_book(build_record_book(branch=branch, year=year, now=now))


# --- one meeting as a Word document (people still edit minutes in Word) ------------------------------


def meeting_record(meeting_id: int) -> MeetingRecord:
    attendance = Attendance.objects.select_related("member").order_by("member__name", "member_id")
    meeting = (Meeting.objects.select_related("host", "recorder", "party_group")
               .prefetch_related("kinds", Prefetch("attendance", queryset=attendance)).get(pk=meeting_id))
    return _meeting_record(meeting, list(Kind.values))


def meeting_docx(*, meeting: Meeting, branch_name: str) -> tuple[bytes, str]:
    """The meeting's record with every §10 field, as .docx bytes and a Chinese file name."""
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Pt

    record = meeting_record(meeting.pk)
    document = Document()
    normal = document.styles["Normal"]
    normal.font.name = "宋体"
    normal.font.size = Pt(11)
    # Word picks CJK glyphs from the eastAsia font slot, which font.name does not set.
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")
    for style in ("Title", "Heading 1", "Heading 2"):
        document.styles[style].element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "黑体")
    document.add_heading(f"{branch_name}{record.kind_labels}记录", level=1)
    if record.late_entry:
        document.add_paragraph(f"【补记】会议于{record.held_at:%Y年%m月%d日}召开，{record.recorded_at:%Y年%m月%d日 %H:%M}录入系统。")
    when = f"{record.held_at:%Y年%m月%d日 %H:%M}"
    if record.ended_at:
        when += f"至{record.ended_at:%H:%M}"
    absentees = "；".join(f"{a.name}（{a.status}{'：' + a.reason if a.reason else '，未注明原因'}）"
                         for a in record.absentees) or "无"
    rows = [
        ("会议类型", record.kind_labels + (f"（{record.party_group}）" if record.party_group else "")),
        ("时间", when), ("地点", record.place or "未填写"),
        ("主持人", record.host or "未填写"), ("记录人", record.recorder or "未填写"),
        *((("党课主讲人", record.lecturer),) if record.lecturer else ()),
        ("应到人数", f"{record.expected}人"),
        ("实到人数", f"{record.present}人（正式党员{record.present_full}人，预备党员{record.present_probationary}人）"),
        ("缺席人员及原因", absentees), ("出席人员", "、".join(record.attendees) or "无"),
        ("列席人员", record.guests or "无"), ("会议主题", record.topic),
    ]
    table = document.add_table(rows=len(rows), cols=2)
    table.style = "Table Grid"
    for row, (label, value) in zip(table.rows, rows, strict=True):
        row.cells[0].text, row.cells[1].text = label, value
    for title, paragraphs, empty in (("会议记录", record.minutes, "未录入会议记录。"), ("决议事项", record.resolutions, "无。")):
        document.add_heading(title, level=2)
        for text in paragraphs or (empty,):
            document.add_paragraph(text)
    document.add_paragraph("")
    document.add_paragraph("主持人（签字）：____________　　记录人（签字）：____________")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue(), f"{branch_name}{record.held_at:%Y%m%d}{record.kind_labels}记录.docx"


# --- batch (a 党委's branches as one zip) -----------------------------------------------------------


def request_batch(*, actor, org: Organization, year: int) -> RecordBookBatch:
    """Create the progress record and enqueue the worker once the row is committed."""
    from django.db import transaction

    from meetings.tasks import render_recordbook_batch

    if org.is_branch:
        raise RecordBookError("批量导出用于党委或党总支；单个党支部请直接下载记录册。")
    with transaction.atomic():
        batch = RecordBookBatch.objects.create(org=org, year=year,
                                               requested_by=actor if getattr(actor, "pk", None) else None,
                                               total=branches_under(org).count())
        transaction.on_commit(lambda: render_recordbook_batch.delay(batch.pk))
    return batch


def run_batch(*, batch_id: int, now: datetime | None = None) -> RecordBookBatch:
    """Render every branch under the batch's organization into one zip under MEDIA_ROOT.

    Safe to run twice (Redis may redeliver): a finished batch is left alone, an unfinished one
    starts over. Progress is written after each branch so the page can poll it.
    """
    batch = RecordBookBatch.objects.select_related("org").get(pk=batch_id)
    if batch.status == RecordBookBatch.Status.DONE:
        return batch
    branches = list(branches_under(batch.org).select_related("parent").order_by("path"))
    RecordBookBatch.objects.filter(pk=batch.pk).update(status=RecordBookBatch.Status.RUNNING, total=len(branches),
                                                       done=0, error="")
    buffer = io.BytesIO()
    try:
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for i, branch in enumerate(branches, 1):
                rendered = record_book_pdf(branch=branch, year=batch.year, now=now)
                # Codes keep names unique inside the zip even when two branches share a name.
                archive.writestr(f"{branch.code}-{rendered.filename}", rendered.pdf)
                RecordBookBatch.objects.filter(pk=batch.pk).update(done=i)
    except Exception as exc:
        RecordBookBatch.objects.filter(pk=batch.pk).update(status=RecordBookBatch.Status.FAILED,
                                                           error=str(exc)[:500], finished_at=timezone.now())
        raise
    batch.refresh_from_db()
    if batch.file:
        batch.file.delete(save=False)
    batch.file.save(f"{batch.org.code}-{batch.year}-{batch.pk}.zip", ContentFile(buffer.getvalue()), save=False)
    batch.status, batch.finished_at = RecordBookBatch.Status.DONE, timezone.now()
    batch.save(update_fields=["file", "status", "finished_at"])
    return batch
