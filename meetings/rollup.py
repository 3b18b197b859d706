"""The compliance rollup: the read model the dashboards use instead of running the engine over a city.

Two tables (meetings.models), both written only here:

- `ComplianceRollup`: every branch × rule-period of a year that is not met on time, with the state the
  engine gave it (what the overdue lists, the exports and the meeting alerts read; met and
  not-applicable rule-periods are only counted, in the summaries);
- `ComplianceSummary`: per organization × year, the summable figures of its subtree (a branch: itself).
  A dashboard reads its organization's row and its children's rows: a handful of rows whatever the
  size of the subtree.

The figures (issue 10, design.md's dashboard contract), over the rule-periods of `year` as they stood
at an instant `at`:

- a rule-period has *ended* once its period is over; `periods` counts the ended ones that are neither
  exempt nor not applicable; `met` counts those met on time or late (met + met_late), `met_late` those
  met only late, `late` those in their 补记 window, `overdue` those overdue; `rate` = met ÷ periods;
- a branch is *compliant* when none of its rule-periods is overdue;
- `members`: members with an open membership (组织关系) on the day of `at` (31 December for a past
  year), not suspended, removed or deceased;
- attendance: present / leave / absent rows of the year's held meetings held and recorded by `at`;
- `months[m][state]` = [branches whose worst state among their rule-periods ending in month m is
  `state`, rule-periods ending in month m in `state`] (the heat map and `months[].overdue_branches`).

When the rows are written: `refresh_branches` right after a branch's records or roster change
(core.signals → the receiver in meetings.apps), `rebuild` from scratch (the nightly scan,
`manage.py rebuild_rollup`). `evaluate_subtree` computes the very same figures in memory, for the
dates the stored rows do not describe.

How long rows hold: with the records as they are, the figures change with time only at the engine's
deadlines (a period's warning, its end, its grace's end, all on local midnights), on the days a
membership begins or ends, and when a record stored with a later time starts to count. So figures evaluated at an
instant hold until the first of those deadlines after it (`changes_at`; None: never, e.g. a settled
year), unless a record changes first, and then the branch is refreshed. The nightly scan re-evaluates
only the branches whose `changes_at` has come (`stale_branches`); a change of the rules or policy
values marks every row stale (`mark_stale`).
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import connections, router, transaction
from django.db.models import Count, Min, Q
from django.utils import timezone

from branches.models import Organization
from core.bulk import bulk_insert, chunks, insert_values
from meetings.compliance import RuleState, State, compliance_for_branches
from meetings.models import (
    Attendance,
    CampaignCompletion,
    ComplianceRollup,
    ComplianceSummary,
    Meeting,
    QuotaRule,
)
from meetings.periods import local_midnight
from meetings.selectors import INACTIVE_STATUSES
from members.models import Membership

# Worst first: the heat map colours a cell by the first of these its rule-periods are in.
SEVERITY = (State.OVERDUE, State.LATE, State.DUE_SOON, State.MET_LATE, State.PENDING, State.MET, State.EXEMPT)
RANK = {state: i for i, state in enumerate(SEVERITY)}
# States whose explanation is stored: the ones someone has to act on or that the lists show.
EXPLAINED = {State.DUE_SOON, State.LATE, State.OVERDUE, State.MET_LATE}
KINDS = [kind for kind, _label in QuotaRule.KIND_CHOICES]
MEASURES = ("periods", "met", "met_late", "late", "overdue")  # the order of a kinds[kind] list
CHUNK = 2500  # branches per engine call (as the scanner): bounded memory, few grouped queries
ONE_DAY = timedelta(days=1)


@dataclass
class Figures:
    """Summable figures of one branch or a subtree for one year (see the module docstring)."""

    branches: int = 0
    compliant_branches: int = 0
    members: int = 0
    present: int = 0
    leave: int = 0
    absent: int = 0
    kinds: dict = field(default_factory=dict)  # kind -> [periods, met, met_late, late, overdue]
    months: dict = field(default_factory=dict)  # month (1–12) -> state -> [branches, rule-periods]
    as_of_min: date | None = None
    as_of_max: date | None = None
    final: bool = True
    changes_at: datetime | None = None  # the first deadline after the evaluation (None: none to come)

    def add(self, other: "Figures") -> None:
        self.branches += other.branches
        self.compliant_branches += other.compliant_branches
        self.members += other.members
        self.present += other.present
        self.leave += other.leave
        self.absent += other.absent
        for kind, values in other.kinds.items():
            mine = self.kinds.setdefault(kind, [0] * len(MEASURES))
            for i, value in enumerate(values):
                mine[i] += value
        for month, states in other.months.items():
            mine = self.months.setdefault(month, {})
            for state, (branches, periods) in states.items():
                pair = mine.setdefault(state, [0, 0])
                pair[0] += branches
                pair[1] += periods
        if other.as_of_min is not None:
            self.as_of_min = other.as_of_min if self.as_of_min is None else min(self.as_of_min, other.as_of_min)
            self.as_of_max = other.as_of_max if self.as_of_max is None else max(self.as_of_max, other.as_of_max)
        self.final = self.final and other.final
        if other.changes_at is not None:
            self.changes_at = other.changes_at if self.changes_at is None else min(self.changes_at, other.changes_at)

    def _total(self, index: int) -> int:
        return sum(values[index] for values in self.kinds.values())

    @property
    def periods(self) -> int:
        return self._total(0)

    @property
    def met(self) -> int:
        return self._total(1)

    @property
    def met_late(self) -> int:
        return self._total(2)

    @property
    def late(self) -> int:
        return self._total(3)

    @property
    def overdue(self) -> int:
        return self._total(4)

    @property
    def rate(self) -> float | None:
        return self.met / self.periods if self.periods else None

    @property
    def attendance_rate(self) -> float | None:
        expected = self.present + self.leave + self.absent
        return self.present / expected if expected else None

    @property
    def worst(self) -> str:
        present = {state for states in self.months.values() for state, (_b, periods) in states.items() if periods}
        return min(present, key=RANK.__getitem__) if present else ""

    def holds_at(self, day: date) -> bool:
        """Whether the figures describe the end of `day` exactly: all evaluated on or before it, and no
        deadline of theirs falls before the day is over."""
        if self.as_of_max is None or self.as_of_max > day:
            return False
        return self.changes_at is None or self.changes_at >= local_midnight(day + ONE_DAY)

    @classmethod
    def from_summary(cls, row: ComplianceSummary) -> "Figures":
        return cls(branches=row.branches, compliant_branches=row.compliant_branches, members=row.members,
                   present=row.present, leave=row.leave, absent=row.absent,
                   kinds={kind: list(values) for kind, values in row.kinds.items()},
                   months={int(month): {state: list(pair) for state, pair in states.items()}
                           for month, states in row.months.items()},
                   as_of_min=row.as_of_min, as_of_max=row.as_of_max, final=row.final, changes_at=row.changes_at)

    def to_summary(self, *, org_id: int, year: int, now: datetime) -> ComplianceSummary:
        return ComplianceSummary(
            org_id=org_id, year=year, as_of_min=self.as_of_min, as_of_max=self.as_of_max, final=self.final,
            changes_at=self.changes_at,
            branches=self.branches, compliant_branches=self.compliant_branches, members=self.members,
            present=self.present, leave=self.leave, absent=self.absent, periods=self.periods, met=self.met,
            met_late=self.met_late, late=self.late, overdue=self.overdue, rate=self.rate, worst=self.worst,
            kinds={kind: self.kinds[kind] for kind in KINDS if kind in self.kinds},
            months={str(month): self.months[month] for month in sorted(self.months)}, refreshed_at=now)


def branch_figures(states: Iterable[RuleState], *, year: int, now: datetime, members: int = 0,
                   attendance: Sequence[int] = (0, 0, 0), periods: dict | None = None,
                   changes_at: datetime | None = None) -> Figures:
    """One branch's figures from the engine's states of `year` at `now` (pure). `periods` caches what
    each (period, grace, warning) gives, across the branches of one evaluation (they share their Period
    objects). `changes_at`: the first instant something else changes with time alone (a membership begins
    or ends, a record already stored starts to count)."""
    periods = {} if periods is None else periods
    kinds: dict[str, list[int]] = {}
    months: dict[int, dict[str, list[int]]] = defaultdict(dict)
    settled = local_midnight(date(year + 1, 1, 1))  # from when on nothing changes but records
    for s in states:
        state = s.state
        if state == State.NOT_APPLICABLE:
            continue
        rule = s.rule
        key = (s.period, rule.grace_days, rule.warning_days)
        facts = periods.get(key)
        if facts is None:
            end = local_midnight(s.period.end)
            facts = periods[key] = (end <= now, s.period.last_day.month,
                                    local_midnight(s.period.end + timedelta(days=rule.grace_days)),
                                    end, end - timedelta(days=rule.warning_days))
        ended, month, grace_over, end, warned = facts
        # the next deadline at which this rule-period's state (or whether it counts as ended) changes
        deadline = _NEXT_DEADLINE[state](end, warned, grace_over, now)
        if deadline is not None and (changes_at is None or deadline < changes_at):
            changes_at = deadline
        pair = months[month].get(state)
        if pair is None:
            pair = months[month][state] = [0, 0]
        pair[1] += 1
        if ended and state != State.EXEMPT:
            values = kinds.get(s.kind)
            if values is None:
                values = kinds[s.kind] = [0, 0, 0, 0, 0]
            values[0] += 1
            if state == State.MET:
                values[1] += 1
            elif state == State.MET_LATE:
                values[1] += 1
                values[2] += 1
            elif state == State.LATE:
                values[3] += 1
            elif state == State.OVERDUE:
                values[4] += 1
        if grace_over > settled:
            settled = grace_over
    for states_of_month in months.values():
        worst = min(states_of_month, key=RANK.__getitem__)
        states_of_month[worst][0] = 1
    overdue = sum(values[4] for values in kinds.values())
    present, leave, absent = attendance
    today = timezone.localdate(now)
    return Figures(branches=1, compliant_branches=int(overdue == 0), members=members, present=present, leave=leave,
                   absent=absent, kinds=kinds, months=dict(months), as_of_min=today, as_of_max=today,
                   final=now >= settled, changes_at=changes_at)


def _once_ended(end, warned, grace_over, now):  # met: counted among the ended periods from its end on
    return end if end > now else None


# state -> the next instant its rule-period changes with time alone (exempt and overdue never do;
# a met one only starts to count as ended). Records changing are not time: they refresh the branch.
_NEXT_DEADLINE = {
    State.MET: _once_ended,
    State.MET_LATE: _once_ended,
    State.EXEMPT: lambda end, warned, grace_over, now: None,
    State.PENDING: lambda end, warned, grace_over, now: warned,
    State.DUE_SOON: lambda end, warned, grace_over, now: end,
    State.LATE: lambda end, warned, grace_over, now: grace_over,
    State.OVERDUE: lambda end, warned, grace_over, now: None,
}


def member_counts(branch_ids: Sequence[int], *, on: date) -> dict[int, int]:
    """Members per branch on `on`, from membership history (组织关系), without inactive members."""
    rows = (Membership.objects.filter(branch_id__in=branch_ids, started_on__lte=on)
            .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=on)).exclude(member__status__in=INACTIVE_STATUSES)
            .values("branch_id").annotate(n=Count("id")).values_list("branch_id", "n"))
    return dict(rows)


def roster_changes(branch_ids: Sequence[int], *, after: date, until: date) -> dict[int, datetime]:
    """Per branch, the first day in (`after`, `until`] on which a membership begins or ends (the member
    count changes then with no record changing), as its local midnight."""
    starts, ends = Q(started_on__gt=after, started_on__lte=until), Q(ended_on__gt=after, ended_on__lte=until)
    rows = (Membership.objects.filter(branch_id__in=branch_ids).filter(starts | ends)
            .values("branch_id").annotate(starts=Min("started_on", filter=starts), ends=Min("ended_on", filter=ends))
            .values_list("branch_id", "starts", "ends"))
    return {branch_id: local_midnight(min(d for d in (starts, ends) if d is not None))
            for branch_id, starts, ends in rows}


def records_appearing(branch_ids: Sequence[int], *, year: int, now: datetime) -> dict[int, datetime]:
    """Per branch, the first instant after `now` at which a record of `year` already in the database starts
    to count: the engine reads a meeting only once it was held and recorded, a campaign once completed, so
    one entered with a later time (a data fix, a test that sets the clock) appears then. None in practice:
    services record at the time they run."""
    start, end = local_midnight(date(year, 1, 1)), local_midnight(date(year + 1, 1, 1))
    later_held, later_recorded = Q(held_at__gt=now), Q(recorded_at__gt=now)
    rows = (Meeting.objects.filter(branch_id__in=branch_ids, status=Meeting.Status.HELD, held_at__gte=start,
                                   held_at__lt=end).filter(later_held | later_recorded)
            .values("branch_id").annotate(held=Min("held_at", filter=later_held),
                                          recorded=Min("recorded_at", filter=later_recorded))
            .values_list("branch_id", "held", "recorded"))
    found = {branch_id: min(t for t in (held, recorded) if t is not None) for branch_id, held, recorded in rows}
    completed = (CampaignCompletion.objects.filter(branch_id__in=branch_ids, counts_on__year=year, completed_at__gt=now)
                 .values("branch_id").annotate(first=Min("completed_at")).values_list("branch_id", "first"))
    return _earliest(found, completed)


def _earliest(into: dict[int, datetime], more: Iterable[tuple[int, datetime]]) -> dict[int, datetime]:
    """`into` with each branch's instant lowered to any earlier one of `more`."""
    for branch_id, at in more:
        into[branch_id] = min(at, into.get(branch_id, at))
    return into


def attendance_counts(branch_ids: Sequence[int], *, year: int, now: datetime) -> dict[int, list[int]]:
    """[present, leave, absent] per branch over the held meetings of `year` held and recorded by `now`
    (the engine's window: a meeting not yet recorded at `now` did not exist then)."""
    start, end = local_midnight(date(year, 1, 1)), local_midnight(date(year + 1, 1, 1))
    rows = (Attendance.objects.filter(meeting__branch_id__in=branch_ids, meeting__status=Meeting.Status.HELD,
                                      meeting__held_at__gte=start, meeting__held_at__lt=end,
                                      meeting__held_at__lte=now, meeting__recorded_at__lte=now)
            .values("meeting__branch_id", "status").annotate(n=Count("id"))
            .values_list("meeting__branch_id", "status", "n"))
    column = {Attendance.Status.PRESENT: 0, Attendance.Status.LEAVE: 1, Attendance.Status.ABSENT: 2}
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for branch_id, status, n in rows:
        counts[branch_id][column[status]] += n
    return counts


@dataclass
class Evaluated:
    states: list[RuleState]
    figures: Figures


def evaluate_branches(branches: Sequence[Organization], *, year: int, now: datetime) -> dict[int, Evaluated]:
    """The engine's states and the figures of each branch, in a constant number of queries."""
    branches = [b for b in branches if b.is_branch]
    if not branches:
        return {}
    ids = [b.pk for b in branches]
    states = compliance_for_branches(branches, year=year, now=now)
    on = min(timezone.localdate(now), date(year, 12, 31))
    members = member_counts(ids, on=on)
    changes = roster_changes(ids, after=on, until=date(year, 12, 31)) if on < date(year, 12, 31) else {}  # a past year counts 31 December
    _earliest(changes, records_appearing(ids, year=year, now=now).items())
    attendance = attendance_counts(ids, year=year, now=now)
    periods: dict = {}
    return {b.pk: Evaluated(states.get(b.pk, []), branch_figures(
        states.get(b.pk, []), year=year, now=now, members=members.get(b.pk, 0),
        attendance=attendance.get(b.pk, (0, 0, 0)), periods=periods, changes_at=changes.get(b.pk)))
        for b in branches}


def sum_up(branches: Iterable[Organization], figures: dict[int, Figures]) -> dict[int, Figures]:
    """Every ancestor's figures: the sum of the branches under it (from the materialized paths)."""
    totals: dict[int, Figures] = defaultdict(Figures)
    for branch in branches:
        fig = figures.get(branch.pk)
        if fig is None:
            continue
        for ancestor_id in branch.ancestor_ids()[:-1]:
            totals[ancestor_id].add(fig)
    return dict(totals)


def evaluate_subtree(org: Organization, *, year: int, now: datetime) -> tuple[dict[int, Figures], dict[int, Evaluated]]:
    """In memory, at any instant: the figures of `org` and of every organization under it (a branch
    with no branches under it gets none), and each branch's states. What the stored rows hold, for the
    dates they do not describe."""
    branches = list(Organization.objects.filter(org.subtree_filter(), kind=Organization.Kind.BRANCH).order_by("pk"))
    evaluated = {}
    for chunk in chunks(branches, CHUNK):
        evaluated.update(evaluate_branches(chunk, year=year, now=now))
    figures = {branch_id: e.figures for branch_id, e in evaluated.items()}
    figures.update(sum_up(branches, figures))
    return figures, evaluated


ROW_FIELDS = ("branch_id", "year", "rule_id", "kind", "party_group_id", "period_start", "period_end", "required",
              "held", "state", "explanation")


NOT_STORED = {State.MET, State.NOT_APPLICABLE}  # counted in the summaries; no reader needs them one by one


def rollup_rows(branch_id: int, year: int, states: Iterable[RuleState]) -> list[tuple]:
    """ComplianceRollup rows as tuples of ROW_FIELDS, without model instances. Rule-periods met on time
    (four in five of a city's 300,000) and not applicable ones are only counted, in the summaries:
    writing them one by one tripled the rebuild's time and nothing reads them."""
    return [(branch_id, year, s.rule_id, s.kind, s.party_group_id, s.period.start, s.period.end - ONE_DAY,
             s.required, s.held, str(s.state), s.lasting_explanation if s.state in EXPLAINED else "")
            for s in states if s.state not in NOT_STORED]


def _lock_trees(roots: Iterable[int] | None = None) -> None:
    """Serialize writers of the rollup: every refresh and rebuild first locks the root organizations
    of the trees it touches (FOR NO KEY UPDATE: inserts that only reference those rows still pass), so
    two refreshes never sum an ancestor from each other's half-written children."""
    qs = Organization.objects.filter(parent__isnull=True)
    if roots is not None:
        qs = qs.filter(pk__in=list(roots))
    list(qs.select_for_update(no_key=True).order_by("pk").values_list("pk", flat=True))


@dataclass
class RebuildResult:
    years: list[int]
    branches: int = 0
    rule_periods: int = 0
    summaries: int = 0


@transaction.atomic
def rebuild(*, now: datetime, years: Iterable[int]) -> RebuildResult:
    """Recompute the rollup of `years` from scratch for every branch (the nightly scan, rebuild_rollup)."""
    years = sorted(set(years))
    _lock_trees()
    branches = list(Organization.objects.filter(kind=Organization.Kind.BRANCH).order_by("pk"))
    result = RebuildResult(years, branches=len(branches))
    for year in years:
        ComplianceRollup.objects.filter(year=year).delete()
        ComplianceSummary.objects.filter(year=year).delete()
        figures: dict[int, Figures] = {}
        for chunk in chunks(branches, CHUNK):
            rows = []
            for branch_id, e in evaluate_branches(chunk, year=year, now=now).items():
                rows += rollup_rows(branch_id, year, e.states)
                figures[branch_id] = e.figures
            insert_values(ComplianceRollup, ROW_FIELDS, rows)
            result.rule_periods += len(rows)
        figures.update(sum_up(branches, figures))
        summaries = [fig.to_summary(org_id=org_id, year=year, now=now) for org_id, fig in figures.items()]
        bulk_insert(ComplianceSummary, summaries)
        result.summaries += len(summaries)
    _analyze()
    return result


def _analyze() -> None:
    """Fresh planner statistics with the rebuilt rows (in the rebuild's transaction, which PostgreSQL
    allows: ANALYZE counts the transaction's own rows, and the statistics commit with them). The tables
    were just rewritten wholesale, and until autovacuum comes by the planner would plan the overdue lists
    for their old sizes (a district's list took 260 ms, a nested loop over the city's 22,000 overdue rows,
    instead of 5)."""
    connection = connections[router.db_for_write(ComplianceRollup)]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {ComplianceRollup._meta.db_table}, {ComplianceSummary._meta.db_table}")


def default_years(now: datetime) -> list[int]:
    """What the rollup keeps: this year and the last (a dashboard of last year stays fast all year)."""
    year = timezone.localdate(now).year
    return [year - 1, year]


@transaction.atomic
def refresh_branches(branch_ids: Iterable[int], *, now: datetime, years: Iterable[int] | None = None,
                     only_years: Iterable[int] | None = None) -> int:
    """Re-evaluate these branches (their rows and summaries of `years`; by default this year and every
    year the rollup holds for them, narrowed to `only_years` when the change concerns only those) and
    re-sum their ancestors from their children's rows. Returns the rows written."""
    branches = list(Organization.objects.filter(pk__in=set(branch_ids), kind=Organization.Kind.BRANCH))
    if not branches:
        return 0
    ids = [b.pk for b in branches]
    ancestor_ids = {a for b in branches for a in b.ancestor_ids()[:-1]}
    _lock_trees({b.ancestor_ids()[0] for b in branches if b.parent_id is not None})
    if years is None:
        years = {timezone.localdate(now).year}
        years |= set(ComplianceSummary.objects.filter(org_id__in=ids).values_list("year", flat=True).distinct())
        if only_years is not None:
            years &= set(only_years)
    ancestors = sorted(Organization.objects.filter(pk__in=ancestor_ids), key=lambda o: -o.depth)
    written = 0
    for year in sorted(years):
        evaluated = evaluate_branches(branches, year=year, now=now)
        ComplianceRollup.objects.filter(branch_id__in=ids, year=year).delete()
        rows = [row for branch_id, e in evaluated.items() for row in rollup_rows(branch_id, year, e.states)]
        insert_values(ComplianceRollup, ROW_FIELDS, rows)
        _replace_summaries(year, [e.figures.to_summary(org_id=branch_id, year=year, now=now)
                                  for branch_id, e in evaluated.items()])
        for ancestor in ancestors:  # deepest first: each sums children already up to date
            total = Figures()
            for row in ComplianceSummary.objects.filter(year=year, org__parent=ancestor):
                total.add(Figures.from_summary(row))
            _replace_summaries(year, [total.to_summary(org_id=ancestor.pk, year=year, now=now)]
                               if total.as_of_max is not None else [], org_ids=[ancestor.pk])
        written += len(rows)
    return written


def stale_branches(year: int, *, now: datetime) -> list[int]:
    """The branches whose stored figures of `year` no longer describe `now`: none stored, stored from a
    later day (a clock set back), or a deadline of theirs has come (`changes_at`). One query."""
    holding = ComplianceSummary.objects.filter(year=year, as_of_max__lte=timezone.localdate(now)).filter(
        Q(changes_at__isnull=True) | Q(changes_at__gt=now))
    return list(Organization.objects.filter(kind=Organization.Kind.BRANCH)
                .exclude(pk__in=holding.values("org_id")).order_by("pk").values_list("pk", flat=True))


# What a stale mark sets changes_at to: before any instant a scan or a dashboard can be asked about, so a
# marked row never holds, whatever clock the caller's `now` follows.
STALE = datetime(1970, 1, 1, tzinfo=timezone.get_fixed_timezone(0))


def _mark(summaries) -> int:
    return summaries.exclude(changes_at=STALE).update(changes_at=STALE)


def mark_stale() -> int:
    """No stored figure holds any more (a quota rule or policy value changed: any branch may be judged
    differently); the next scan rebuilds them, and until then the dashboards use the engine."""
    return _mark(ComplianceSummary.objects.all())


def mark_branches_stale(branch_ids: Iterable[int]) -> int:
    """The stored figures of these branches and of their ancestors no longer hold (their records are
    changing): the next scan re-evaluates them even if the refresh after the commit never comes."""
    paths = Organization.objects.filter(pk__in=set(branch_ids)).values_list("path", flat=True)
    org_ids = {int(part) for path in paths for part in path.strip("/").split("/") if part}
    if not org_ids:
        return 0
    return _mark(ComplianceSummary.objects.filter(org_id__in=org_ids))


def mark_tree_stale(org: Organization) -> int:
    """The stored figures of `org`, of everything under it and of its ancestors no longer hold (it was
    saved: moved, renamed, its kind changed). A move through branches.services also refreshes the
    branches at once, old ancestors included."""
    subtree = Organization.objects.filter(org.subtree_filter()).values("pk")
    return _mark(ComplianceSummary.objects.filter(Q(org_id__in=subtree) | Q(org_id__in=org.ancestor_ids())))


# More stale branches than this share of all: rebuilding from scratch is cheaper (bench/scan.py: a refresh
# costs ~10 ms per branch, for the per-ancestor re-sums; a rebuild ~3.8 ms per branch of the city).
REBUILD_SHARE = 0.3


def bring_up_to_date(year: int, *, now: datetime) -> int:
    """Re-evaluate the branches of `year` whose figures no longer hold at `now` (all of them, from
    scratch, when they are more than REBUILD_SHARE); returns how many branches were evaluated."""
    stale = stale_branches(year, now=now)
    total = Organization.objects.filter(kind=Organization.Kind.BRANCH).count()
    if len(stale) > total * REBUILD_SHARE:
        rebuild(now=now, years=[year])
        return total
    for chunk in chunks(stale, CHUNK):
        refresh_branches(chunk, now=now, years=[year])
    return len(stale)


def alerts_to_sync(year: int) -> dict[int, int]:
    """The branches of `year` whose rows were written since the scan last opened and closed their alerts
    (a rebuild, a refresh after a change), as {branch id: summary row id}."""
    rows = ComplianceSummary.objects.filter(year=year, alerts_synced=False,
                                            org_id__in=Organization.objects.filter(kind=Organization.Kind.BRANCH).values("pk"))
    return dict(rows.values_list("org_id", "pk"))


def mark_alerts_synced(summary_ids: Iterable[int]) -> None:
    """These summary rows' alerts are what the rows call for. A row a refresh replaced meanwhile has a
    new id and stays unsynced, so its alerts are synced the next time."""
    for ids in chunks(list(summary_ids)):
        ComplianceSummary.objects.filter(pk__in=ids).update(alerts_synced=True)


def _replace_summaries(year: int, summaries: list[ComplianceSummary], org_ids: Sequence[int] | None = None) -> None:
    ComplianceSummary.objects.filter(year=year, org_id__in=org_ids or [s.org_id for s in summaries]).delete()
    bulk_insert(ComplianceSummary, summaries)
