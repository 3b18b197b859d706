"""The upper level's compliance dashboard (selectors): where organizational life is not happening, and why.

`dashboard_for(org, year=, at=)` is the one summary the page, the API (`/api/v1/orgs/{code}/dashboard/`)
and the 工作台 use. It reads the compliance rollup (meetings.rollup): the organization's summary row and
its children's rows, a constant number of queries whatever the size of the subtree. When the stored
rows do not describe the end of `at` (an earlier date, a year the rollup does not keep, a tree changed
since, the night before the daily rebuild), the same figures are computed in memory by the engine
(`source == "live"`): slower, never different. The branch table, the overdue list and the exports read
the same source.

Definitions: meetings.rollup (module docstring) and the issue's API contract.
"""

import json
import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import Case, Count, F, FloatField, IntegerField, Q, QuerySet, TextField, Value, When
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, NullIf
from django.urls import reverse
from django.utils import timezone

from branches.models import Organization
from inspections.models import Alert, DashboardSetting
from meetings.compliance import State
from meetings.models import ComplianceRollup, ComplianceSummary, QuotaRule
from meetings.periods import end_of_day
from meetings.rollup import KINDS, RANK, SEVERITY, Evaluated, Figures, evaluate_subtree
from members.models import Member

logger = logging.getLogger(__name__)
KIND_LABELS = dict(QuotaRule.KIND_CHOICES)
STATE_LABELS = dict(State.choices)
FIRST_YEAR = 2000
LAST_YEAR = 2100
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class BadParameter(ValueError):
    """A year or date a person typed that cannot be used; the message says how to fix it."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


def parse_year_at(raw_year: str | None, raw_at: str | None, *, today: date) -> tuple[int, date]:
    """`at` (YYYY-MM-DD, default today) and `year` (default: the year of `at`), or BadParameter."""
    at = today
    if raw_at:
        try:
            if not ISO_DATE.fullmatch(raw_at):
                raise ValueError(raw_at)
            at = date.fromisoformat(raw_at)
        except ValueError:
            raise BadParameter("at", f"日期“{raw_at}”无效，请使用 YYYY-MM-DD 格式，如 {today:%Y-%m-%d}。") from None
        if not FIRST_YEAR <= at.year <= LAST_YEAR:
            raise BadParameter("at", f"日期“{raw_at}”超出范围，应在 {FIRST_YEAR} 至 {LAST_YEAR} 年之间。")
    if not raw_year:
        return at.year, at
    if not raw_year.isdigit() or not FIRST_YEAR <= int(raw_year) <= LAST_YEAR:
        raise BadParameter("year", f"年度“{raw_year}”无效，应为 {FIRST_YEAR} 至 {LAST_YEAR} 之间的四位数字。")
    return int(raw_year), at


@dataclass
class KindLine:
    kind: str
    periods: int
    met: int
    met_late: int
    late: int
    overdue: int

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def rate(self) -> float | None:
        return self.met / self.periods if self.periods else None


@dataclass
class Cell:
    """A heat-map cell: the worst state of the month and how many stand behind it (branches, or the
    rule-periods of a branch row)."""

    month: int
    state: str = ""
    count: int = 0
    href: str = ""  # the drill-down: the branches behind the cell, or a branch's obligations of the month

    @property
    def label(self) -> str:
        return STATE_LABELS.get(self.state, "")


def kind_lines(fig: Figures) -> list[KindLine]:
    return [KindLine(kind, *fig.kinds.get(kind, [0, 0, 0, 0, 0])) for kind in KINDS]


def heat_cells(fig: Figures | None, *, is_branch: bool) -> list[Cell]:
    cells = []
    for month in range(1, 13):
        states = (fig.months.get(month) if fig else None) or {}
        present = [s for s in states if states[s][1]]
        if not present:
            cells.append(Cell(month))
            continue
        worst = min(present, key=RANK.__getitem__)
        branches, periods = states[worst]
        cells.append(Cell(month, worst, periods if is_branch else branches))
    return cells


@dataclass
class ChildLine:
    org: Organization
    figures: Figures
    rank: int | None = None

    @cached_property
    def cells(self) -> list[Cell]:
        return heat_cells(self.figures, is_branch=self.org.is_branch)


class Links:
    """The drill-down links of one page: reversed once, filled with each organization's code (codes
    are slugs), instead of a {% url %} per row and cell."""

    def __init__(self, *, year: int, at: date):
        self.query = f"?year={year}&at={at:%Y-%m-%d}"
        self._dashboard = reverse("org-dashboard", args=["__code__"])
        self._compliance = reverse("compliance-year", args=["__code__"])

    def dashboard(self, code: str) -> str:
        return self._dashboard.replace("__code__", code) + self.query

    def compliance(self, code: str) -> str:
        return self._compliance.replace("__code__", code) + self.query


def link_cells(lines: list[ChildLine], links: Links) -> list[ChildLine]:
    """Give each coloured cell its drill-down link: an organization's cell opens its dashboard's branch
    table filtered to the branches behind it; a branch's cell opens its obligations of that month."""
    for line in lines:
        line.dashboard_url = links.dashboard(line.org.code)
        if line.org.is_branch:
            pattern = links.compliance(line.org.code) + "&month={month}&state={state}#obligations"
        else:
            pattern = line.dashboard_url + "&month={month}&month_state={state}#branches"
        for cell in line.cells:
            if cell.state:
                cell.href = pattern.format(month=cell.month, state=cell.state)
    return lines


def link_lines(lines, links: Links, *, org=lambda line: line.org) -> None:
    """Each branch line's links: its dashboard and its obligations."""
    for line in lines:
        code = org(line).code
        line.dashboard_url, line.compliance_url = links.dashboard(code), links.compliance(code)


@dataclass
class Dashboard:
    org: Organization
    year: int
    at: date
    figures: Figures
    children: list[ChildLine]
    alerts: dict[str, int]
    six_month_flags: int
    source: str  # "rollup": read from the stored summaries; "live": computed by the engine now
    ranking: bool
    evaluated: dict[int, Evaluated] = field(default_factory=dict, repr=False)  # live only: each branch's states
    live_figures: dict[int, Figures] = field(default_factory=dict, repr=False)  # live only: every org's figures

    @property
    def kinds(self) -> list[KindLine]:
        return kind_lines(self.figures)

    @property
    def months(self) -> list[dict]:
        return [{"month": m, "overdue_branches": (self.figures.months.get(m) or {}).get(State.OVERDUE, [0, 0])[0]}
                for m in range(1, 13)]

    @property
    def month_rates(self) -> list[float | None]:
        """Completion rate of the rule-periods ending in each month, for months over by `at` (else None)."""
        rates = []
        for month in range(1, 13):
            if date(self.year, month, 1) > self.at or (self.year == self.at.year and month >= self.at.month):
                rates.append(None)
                continue
            states = self.figures.months.get(month) or {}
            done = sum(states.get(s, [0, 0])[1] for s in (State.MET, State.MET_LATE))
            owed = done + sum(states.get(s, [0, 0])[1] for s in (State.LATE, State.OVERDUE))
            rates.append(done / owed if owed else None)
        return rates

    @property
    def terms_due(self) -> int:
        return self.alerts.get(Alert.Kind.TERM_EXPIRING, 0)

    @property
    def as_of(self) -> date | None:
        return self.figures.as_of_max if self.source == "rollup" else self.at


def _child_branch_counts(org: Organization, children: list[Organization]) -> tuple[int, dict[int, int]]:
    """Branches under `org` now, in total and under each child (one query)."""
    branch = Organization.Kind.BRANCH
    if org.is_branch:
        return 1, {}
    sums = {f"c{c.pk}": Count("pk", filter=Q(path__startswith=c.path)) for c in children if not c.is_branch}
    counts = Organization.objects.filter(org.subtree_filter(), kind=branch).aggregate(total=Count("pk"), **sums)
    per_child = {c.pk: (1 if c.is_branch else counts[f"c{c.pk}"]) for c in children}
    return counts["total"], per_child


class StoredChildFigures:
    """What a child line shows, read from its summary row's plain columns; the month JSON (the heat
    map's cells) decoded only if the child is on the page shown: a district has hundreds of children."""

    def __init__(self, row: dict):
        self.branches, self.compliant_branches = row["branches"], row["compliant_branches"]
        self.overdue, self.rate = row["overdue"], row["rate"]
        self._months_text = row["months_text"]

    @cached_property
    def months(self) -> dict:
        return {int(month): states for month, states in json.loads(self._months_text).items()}


def _stored(org: Organization, children: list[Organization], *, year: int, at: date) -> tuple[dict | None, int]:
    """The summaries of `org` and its children if they describe the end of `at` exactly (else None),
    and the number of branches under `org`."""
    total, per_child = _child_branch_counts(org, children)
    own = ComplianceSummary.objects.filter(year=year, org=org).first()
    if own is None or own.branches != total or not Figures.from_summary(own).holds_at(at):
        return None, total
    rows = {row["org_id"]: row for row in ComplianceSummary.objects.filter(year=year, org_id__in=list(per_child))
            .annotate(months_text=Cast("months", TextField()))
            .values("org_id", "branches", "compliant_branches", "overdue", "rate", "months_text")}
    if any(count and (c not in rows or rows[c]["branches"] != count) for c, count in per_child.items()):
        return None, total
    figures = {org_id: StoredChildFigures(row) for org_id, row in rows.items()}
    figures[org.pk] = Figures.from_summary(own)
    return figures, total


def _catch_up(year: int, at: date) -> None:
    """Today's dashboard found the rollup behind (the daily rebuild has not run yet or failed, the tree
    changed): ask a worker to rebuild it, once an hour at most, and answer from the engine meanwhile."""
    today = timezone.localdate()
    if at != today or year not in (today.year, today.year - 1):
        return
    if cache.add(f"orglife:rollup-catch-up:{today}", 1, timeout=3600):
        from meetings.tasks import rebuild_rollup

        try:
            rebuild_rollup.delay()
        except Exception:  # no broker: the page is still right (live), the nightly scan rebuilds
            logger.exception("could not queue the rollup rebuild")


def _ranking(org: Organization) -> bool:
    """The nearest decision among the organization and its ancestors; off when nobody decided."""
    settings = dict(DashboardSetting.objects.filter(org_id__in=org.ancestor_ids()).values_list("org_id", "ranking_enabled"))
    return next((settings[a] for a in reversed(org.ancestor_ids()) if a in settings), False)


def alerts_open_at(org: Organization, at: datetime) -> tuple[dict[str, int], int]:
    """Open alerts by kind in the subtree as they stood at `at`, and the six-month flags among them
    (需支部大会研究: the serious member_absent ones)."""
    rows = (Alert.objects.filter(org.subtree_filter(prefix="org__"), opened_at__lte=at)
            .filter(Q(closed_at__isnull=True) | Q(closed_at__gt=at))
            .values("kind", "level").annotate(n=Count("id")).values_list("kind", "level", "n"))
    counts = dict.fromkeys(Alert.Kind.values, 0)
    flags = 0
    for kind, level, n in rows:
        counts[kind] += n
        if kind == Alert.Kind.MEMBER_ABSENT and level == Alert.Level.SERIOUS:
            flags += n
    return counts, flags


def dashboard_for(org: Organization, *, year: int, at: date) -> Dashboard:
    """The dashboard of `org` (a 党委, 党总支 or branch) for `year` as it stood at the end of `at`."""
    children = list(org.children.order_by("kind", "name", "pk")) if not org.is_branch else []
    figures, branches = _stored(org, children, year=year, at=at)
    evaluated, live = {}, {}
    source = "rollup"
    if figures is None:
        source = "live"
        if branches:
            _catch_up(year, at)
        figures, evaluated = evaluate_subtree(org, year=year, now=end_of_day(at))
        live = figures
    own = figures.get(org.pk) or Figures()
    ranking = not org.is_branch and _ranking(org)
    lines = [ChildLine(child, figures.get(child.pk) or Figures()) for child in children]
    if ranking:
        _rank(lines, key=lambda line: line.figures.rate)
    alerts, flags = alerts_open_at(org, end_of_day(at))
    return Dashboard(org=org, year=year, at=at, figures=own, children=lines, alerts=alerts, six_month_flags=flags,
                     source=source, ranking=ranking, evaluated=evaluated, live_figures=live)


def _rank(lines, *, key) -> None:
    """Competition ranking (1, 2, 2, 4) by rate, highest first; no rate, no rank."""
    rated = sorted((line for line in lines if key(line) is not None), key=key, reverse=True)
    previous, rank = None, 0
    for position, line in enumerate(rated, start=1):
        if key(line) != previous:
            rank, previous = position, key(line)
        line.rank = rank


# --- the branch table ------------------------------------------------------------------------------

@dataclass
class BranchLine:
    org: Organization
    figures: Figures
    secretary: str = ""
    rank: int | None = None
    kind: str = ""  # the meeting kind the rate and overdue columns are about ("" all)

    def _kind_values(self) -> list[int]:
        return self.figures.kinds.get(self.kind, [0, 0, 0, 0, 0])

    @property
    def rate(self) -> float | None:
        if not self.kind:
            return self.figures.rate
        periods, met = self._kind_values()[:2]
        return met / periods if periods else None

    @property
    def overdue(self) -> int:
        return self._kind_values()[4] if self.kind else self.figures.overdue

    @property
    def state(self) -> str:
        return self.figures.worst

    @property
    def state_label(self) -> str:
        return "无逾期" if self.state in ("", State.PENDING, State.MET, State.EXEMPT, State.MET_LATE) else STATE_LABELS[self.state]

    @property
    def attendance_rate(self) -> float | None:
        return self.figures.attendance_rate


@dataclass(frozen=True)
class TableQuery:
    """What the person asked of the branch table (all optional; unknown values are ignored)."""

    state: str = ""  # overdue / late / due_soon / compliant
    sector: str = ""
    kind: str = ""
    q: str = ""
    month: int | None = None  # with month_state: the branches behind a heat-map cell
    month_state: str = ""
    sort: str = ""  # name / state / rate / overdue / attendance, "-" for descending

    @classmethod
    def from_params(cls, params) -> "TableQuery":
        month = params.get("month", "")
        month_state = params.get("month_state", "")
        return cls(
            state=params.get("state", "") if params.get("state", "") in {*TABLE_STATES} else "",
            sector=params.get("sector", "") if params.get("sector", "") in Organization.Sector.values else "",
            kind=params.get("kind", "") if params.get("kind", "") in KINDS else "",
            q=params.get("q", "").strip()[:50],
            month=int(month) if month.isdigit() and 1 <= int(month) <= 12 and month_state in RANK else None,
            month_state=month_state if month.isdigit() and month_state in RANK else "",
            sort=params.get("sort", "") if params.get("sort", "").lstrip("-") in SORTS else "",
        )


TABLE_STATES = {"overdue": "有逾期", "late": "补记期内", "due_soon": "即将到期", "compliant": "无逾期"}
SORTS = {"name": "党支部", "state": "状态", "rate": "完成率", "overdue": "逾期项", "attendance": "出勤率"}
_STATE_RANK = Case(*[When(worst=s, then=Value(i)) for i, s in enumerate(SEVERITY)], default=Value(len(SEVERITY)),
                   output_field=IntegerField())


def _secretaries(branch_ids) -> dict[int, str]:
    rows = (Member.objects.filter(branch_id__in=list(branch_ids), party_post=Member.Post.SECRETARY,
                                  status=Member.Status.NORMAL).order_by("branch_id", "id").values_list("branch_id", "name"))
    found: dict[int, str] = {}
    for branch_id, name in rows:
        found.setdefault(branch_id, name)
    return found


def _stored_table(dash: Dashboard, query: TableQuery) -> QuerySet:
    qs = ComplianceSummary.objects.filter(year=dash.year, org__kind=Organization.Kind.BRANCH,
                                          org__path__startswith=dash.org.path).select_related("org", "org__parent")
    if query.state == "compliant":
        qs = qs.filter(overdue=0)
    elif query.state:
        qs = qs.filter(worst=query.state)
    if query.sector:
        qs = qs.filter(org__sector=query.sector)
    if query.q:
        qs = qs.filter(Q(org__name__icontains=query.q) | Q(org__code__icontains=query.q))
    if query.month:
        qs = qs.filter(**{f"months__{query.month}__{query.month_state}__0": 1})
    rate, overdue = F("rate"), F("overdue")
    if query.kind:
        qs = qs.filter(**{f"kinds__{query.kind}__isnull": False})
        periods = NullIf(Cast(KT(f"kinds__{query.kind}__0"), FloatField()), Value(0.0))
        rate = Cast(KT(f"kinds__{query.kind}__1"), FloatField()) / periods
        overdue = Cast(KT(f"kinds__{query.kind}__4"), IntegerField())
    attendance = Cast(F("present"), FloatField()) / NullIf(
        Cast(F("present") + F("leave") + F("absent"), FloatField()), Value(0.0))
    qs = qs.annotate(sort_rate=rate, sort_overdue=overdue, sort_state=_STATE_RANK, sort_attendance=attendance)
    key = query.sort or ("-rate" if dash.ranking else "state")
    field_name = {"name": "org__name", "state": "sort_state", "rate": "sort_rate", "overdue": "sort_overdue",
                  "attendance": "sort_attendance"}[key.lstrip("-")]
    order = F(field_name).desc(nulls_last=True) if key.startswith("-") else F(field_name).asc(nulls_last=True)
    return qs.order_by(order, "org__path")


def _live_table(dash: Dashboard, query: TableQuery) -> list[BranchLine]:
    branches = Organization.objects.filter(dash.org.subtree_filter(), kind=Organization.Kind.BRANCH).select_related("parent")
    lines = [BranchLine(b, dash.live_figures[b.pk], kind=query.kind) for b in branches if b.pk in dash.live_figures]
    keep = []
    for line in lines:
        fig = line.figures
        if query.state == "compliant" and fig.overdue:
            continue
        if query.state and query.state != "compliant" and fig.worst != query.state:
            continue
        if query.sector and line.org.sector != query.sector:
            continue
        if query.q and query.q.lower() not in line.org.name.lower() and query.q.lower() not in line.org.code.lower():
            continue
        if query.month and (fig.months.get(query.month) or {}).get(query.month_state, [0])[0] != 1:
            continue
        if query.kind and query.kind not in fig.kinds:
            continue
        keep.append(line)
    key = query.sort or ("-rate" if dash.ranking else "state")
    getter = {"name": lambda line: line.org.name, "state": lambda line: RANK.get(line.state, len(SEVERITY)),
              "rate": lambda line: line.rate, "overdue": lambda line: line.overdue,
              "attendance": lambda line: line.attendance_rate}[key.lstrip("-")]
    keep.sort(key=lambda line: line.org.path)
    known = [line for line in keep if getter(line) is not None]
    unknown = [line for line in keep if getter(line) is None]  # no rate yet: last either way, as in SQL
    known.sort(key=getter, reverse=key.startswith("-"))
    return known + unknown


def branch_lines(dash: Dashboard, query: TableQuery):
    """The branches of the subtree filtered and sorted as asked: a queryset of ComplianceSummary rows
    (stored) or a list of BranchLines (live); `branch_page` and `all_branch_lines` turn it into lines."""
    return _stored_table(dash, query) if dash.source == "rollup" else _live_table(dash, query)


def _as_lines(items, query: TableQuery) -> list[BranchLine]:
    items = list(items)
    if items and isinstance(items[0], ComplianceSummary):
        items = [BranchLine(row.org, Figures.from_summary(row), kind=query.kind) for row in items]
    names = _secretaries(line.org.pk for line in items)
    for line in items:
        line.secretary = names.get(line.org.pk, "")
    return items


class KnownCountPaginator(Paginator):
    """A Paginator told its count when the summaries already hold it (no COUNT over thousands of rows)."""

    def __init__(self, object_list, per_page, *, count: int | None = None):
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count if self._known_count is not None else super().count


def branch_page(dash: Dashboard, query: TableQuery, page_number, per_page: int = 50) -> Page:
    items = branch_lines(dash, query)
    if isinstance(items, list):
        page = Paginator(items, per_page).get_page(page_number)
        page.object_list = _as_lines(page.object_list, query)
    else:  # sort and page over the ids only, then load the page's rows (their JSON) alone
        known = dash.figures.branches if query == TableQuery(sort=query.sort) else None
        page = KnownCountPaginator(items.values_list("pk", flat=True), per_page, count=known).get_page(page_number)
        ids = list(page.object_list)
        rows = ComplianceSummary.objects.filter(pk__in=ids).select_related("org", "org__parent").in_bulk()
        page.object_list = _as_lines([rows[pk] for pk in ids], query)
    if dash.ranking:
        _rank_page(page, dash, query)
    return page


def all_branch_lines(dash: Dashboard, query: TableQuery) -> list[BranchLine]:
    lines = _as_lines(branch_lines(dash, query), query)
    if dash.ranking:
        _rank(lines, key=lambda line: line.rate)
    return lines


def _rank_page(page: Page, dash: Dashboard, query: TableQuery) -> None:
    """Ranks among the whole filtered table, not just the page."""
    items = branch_lines(dash, query)
    rates = [line.rate for line in items] if isinstance(items, list) else list(items.values_list("sort_rate", flat=True))
    first_position = {}
    for position, rate in enumerate(sorted((r for r in rates if r is not None), reverse=True), start=1):
        first_position.setdefault(rate, position)
    for line in page.object_list:
        line.rank = first_position.get(line.rate)


# --- the overdue list ------------------------------------------------------------------------------

@dataclass
class OverdueLine:
    branch: Organization
    kind: str
    party_group: str
    period_start: date
    period_end: date
    required: int
    held: int
    explanation: str
    rule_id: int
    party_group_id: int | None

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def anchor(self) -> str:
        return f"rp-{self.rule_id}-{self.party_group_id or 0}-{self.period_start:%Y%m%d}"


def overdue_lines(dash: Dashboard, *, kind: str = "", month: int | None = None) -> list[OverdueLine] | QuerySet:
    """The overdue rule-periods of the subtree, by branch and period (a queryset of rollup rows, or lines
    when live)."""
    if dash.source == "rollup":
        branches = Organization.objects.filter(dash.org.subtree_filter(), kind=Organization.Kind.BRANCH).values("pk")
        qs = (ComplianceRollup.objects.filter(year=dash.year, state=State.OVERDUE, branch_id__in=branches)
              .select_related("branch", "party_group")
              .order_by("branch_id", "period_start", "kind", F("party_group_id").asc(nulls_first=True)))
        if kind:
            qs = qs.filter(kind=kind)
        if month:
            qs = qs.filter(period_end__month=month)
        return qs
    orgs = {b.pk: b for b in Organization.objects.filter(pk__in=list(dash.evaluated))}
    lines = []
    for branch_id, e in dash.evaluated.items():
        for s in e.states:
            if s.state != State.OVERDUE or (kind and s.kind != kind) or (month and s.period.last_day.month != month):
                continue
            lines.append(OverdueLine(orgs[branch_id], s.kind, s.party_group_name, s.period.start, s.period.last_day,
                                     s.required, s.held, s.explanation, s.rule_id, s.party_group_id))
    lines.sort(key=lambda line: (line.branch.pk, line.period_start, line.kind, line.party_group_id or 0))
    return lines


def overdue_page(dash: Dashboard, *, kind: str = "", month: int | None = None, page_number=None,
                 per_page: int = 20) -> Page:
    """A page of the overdue list; its length comes from the summaries (the same rule-periods counted)."""
    fig = dash.figures
    if kind and month:
        known = None
    elif kind:
        known = fig.kinds.get(kind, [0] * 5)[4]
    elif month:
        known = (fig.months.get(month) or {}).get(State.OVERDUE, [0, 0])[1]
    else:
        known = fig.overdue
    page = KnownCountPaginator(overdue_lines(dash, kind=kind, month=month), per_page, count=known).get_page(page_number)
    page.object_list = [as_overdue_line(item) for item in page.object_list]
    return page


def as_overdue_line(item) -> OverdueLine:
    if isinstance(item, OverdueLine):
        return item
    return OverdueLine(item.branch, item.kind, item.party_group.name if item.party_group else "", item.period_start,
                       item.period_end, item.required, item.held, item.explanation, item.rule_id, item.party_group_id)


def chart_data(dash: Dashboard) -> dict:
    """What the charts draw (the tables beside them show the same numbers without JavaScript)."""
    def percent(value):
        return None if value is None else round(value * 100, 1)

    kinds = [line for line in dash.kinds if line.periods]
    return {
        "months": [f"{m}月" for m in range(1, 13)],
        "month_rates": [percent(rate) for rate in dash.month_rates],
        "overdue_branches": [m["overdue_branches"] for m in dash.months],
        "kinds": [line.label for line in kinds],
        "kind_rates": [percent(line.rate) for line in kinds],
    }
