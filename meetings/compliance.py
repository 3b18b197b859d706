"""The compliance engine: pure evaluation of quota rules against held meetings at an injected `now`.

`evaluate` is a pure function of (rule, period, held, now, …). `compliance_for_branches` is its
set-based twin: a constant number of queries whatever the number of branches; dashboards,
scanners, pages and the record book call it rather than re-implementing any of it.
"""

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property

from django.db import models
from django.db.models import Count, F, Q
from django.db.models.functions import ExtractMonth
from django.utils import timezone

from branches.models import Organization, PartyGroup
from core.bulk import wanted_ids
from meetings.models import CampaignCompletion, Exemption, Kind, Meeting, MeetingKind, QuotaRule
from meetings.periods import Period, local_midnight
from meetings.policy import RuleBook
from members.selectors import BranchFacts, branch_facts_on


class State(models.TextChoices):
    """The state of one branch × rule × period (design.md "Compliance states")."""

    MET = "met", "已完成"
    MET_LATE = "met_late", "补记完成"  # met only by records entered after the period's grace window
    PENDING = "pending", "进行中"
    DUE_SOON = "due_soon", "即将到期"
    LATE = "late", "补记期内"
    OVERDUE = "overdue", "已逾期"
    EXEMPT = "exempt", "免于要求"
    NOT_APPLICABLE = "not_applicable", "不适用"


ALL_KINDS = frozenset(Kind.values)


@dataclass(eq=False)  # not frozen: a frozen __init__ costs a setattr call per field, 300,000 times a city
class RuleState:
    """One rule for one period: the state, and (computed on first use) the reason in Chinese."""

    kind: str
    party_group_id: int | None
    party_group_name: str
    period: Period
    required: int
    held: int
    state: str
    article: str
    rule_id: int
    # what the explanation is made from; formatted only when asked for (thousands of states per dashboard)
    rule: QuotaRule = field(repr=False, compare=False)
    now: datetime = field(repr=False, compare=False)
    not_applicable_reason: str = field(default="", repr=False, compare=False)
    exemption: Exemption | None = field(default=None, repr=False, compare=False)
    on_time: int | None = field(default=None, repr=False, compare=False)  # held by records entered within grace
    facts: BranchFacts | None = field(default=None, repr=False, compare=False)  # what a conditional rule was judged by

    @property
    def kind_label(self) -> str:
        return dict(QuotaRule.KIND_CHOICES)[self.kind]

    @property
    def state_label(self) -> str:
        return State(self.state).label

    @property
    def period_start(self) -> date:
        return self.period.start

    @property
    def period_end(self) -> date:
        return self.period.last_day

    @property
    def needs_attention(self) -> bool:
        return self.state in (State.DUE_SOON, State.LATE, State.OVERDUE)

    @cached_property
    def explanation(self) -> str:
        return _explain(self)

    @property
    def lasting_explanation(self) -> str:
        """The explanation as it holds until the state changes (what the rollup and the alerts store): a
        due-soon period's names the day it ends instead of counting the days left, which would change
        every day; pages that show it count the days themselves."""
        return _explain(self, lasting=True) if self.state == State.DUE_SOON else self.explanation


def _md(day: date, ref_year: int) -> str:
    return f"{day.month}月{day.day}日" if day.year == ref_year else f"{day.year}年{day.month}月{day.day}日"


def grace_end(rule: QuotaRule, period: Period) -> datetime:
    """The instant the period's 补记 window closes: a record entered from then on is too late for it."""
    return local_midnight(period.end + timedelta(days=rule.grace_days))


def _state(rule: QuotaRule, period: Period, held: int, now: datetime, not_applicable: str, exemption,
           on_time: int | None = None) -> str:
    if not_applicable:
        return State.NOT_APPLICABLE
    if exemption is not None:
        return State.EXEMPT
    if held >= rule.minimum:
        # design.md: met only by records entered after the grace window ended → 补记完成, not 已完成
        return State.MET_LATE if on_time is not None and on_time < rule.minimum else State.MET
    end = local_midnight(period.end)
    if now < end - timedelta(days=rule.warning_days):
        return State.PENDING
    if now < end:
        return State.DUE_SOON
    if now < local_midnight(period.end + timedelta(days=rule.grace_days)):
        return State.LATE
    return State.OVERDUE


def _explain(s: RuleState, lasting: bool = False) -> str:
    rule, period, year = s.rule, s.period, s.period.start.year
    label = s.kind_label + (f"（{s.party_group_name}）" if s.party_group_name else "")
    verb = "完成" if rule.counted_from == QuotaRule.CountedFrom.COMPLETIONS else "开"
    counted = f"{label}：{period.label}应{verb}{s.required}次，已{verb}{s.held}次"
    last_grace_day = period.end + timedelta(days=rule.grace_days - 1)
    judged = _judged_by(s)
    if s.state == State.NOT_APPLICABLE:
        return f"{label}：{s.not_applicable_reason}，不作要求。{judged}"
    return _explain_counted(s, label, counted, last_grace_day, year, lasting) + judged


def _judged_by(s: RuleState) -> str:
    """Which facts a conditional rule was judged by (domain-rules "Clarifications": those of the period)."""
    if s.facts is None or s.rule.condition == QuotaRule.Condition.ALWAYS:
        return ""
    f = s.facts
    groups = f"党小组{f.group_count}个" if f.group_count else "未划分党小组"
    return (f"（按该期首日即{_md(s.period.start, s.period.start.year)}的党小组与正式党员人数判断：{groups}，"
            f"正式党员{f.full_member_count}人。）")


def _explain_counted(s: RuleState, label: str, counted: str, last_grace_day: date, year: int, lasting: bool) -> str:
    rule, period = s.rule, s.period
    if s.state == State.EXEMPT:
        ex = s.exemption
        return (f"{label}：{period.label}党支部暂不参加组织生活（{ex.get_reason_display()}，"
                f"{_md(ex.starts_on, year)}至{_md(ex.ends_on, year)}），不作要求。")
    if s.state == State.MET_LATE:
        return (f"{counted}；{period.unit}已于{_md(period.last_day, year)}结束，补记期至{_md(last_grace_day, year)}"
                f"截止时仅录入{s.on_time}次，其后补记完成。")
    if s.state == State.MET:
        if rule.target and s.held < rule.target:
            return f"{counted}，已达到最低要求（目标{rule.target}次）。"
        return f"{counted}，已完成。"
    if s.state == State.PENDING:
        if s.now < local_midnight(period.start):
            return f"{counted}；{period.unit}尚未开始。"
        return f"{counted}；{period.unit}于{_md(period.last_day, year)}结束。"
    if s.state == State.DUE_SOON and lasting:
        return f"{counted}；{period.unit}将于{_md(period.last_day, year)}结束，请在此之前完成。"
    if s.state == State.DUE_SOON:
        days_left = math.ceil((local_midnight(period.end) - s.now).total_seconds() / 86400)
        return f"{counted}；{period.unit}将于{_md(period.last_day, year)}结束，还剩{days_left}天。"
    if s.state == State.LATE:
        return f"{counted}；{period.unit}已于{_md(period.last_day, year)}结束，补记期至{_md(last_grace_day, year)}。"
    return (f"{counted}；{period.unit}已于{_md(period.last_day, year)}结束，"
            f"补记期已于{_md(last_grace_day, year)}截止，已逾期。")


def evaluate(*, rule: QuotaRule, period: Period, held: int, now: datetime, party_group: PartyGroup | None = None,
             not_applicable: str = "", exemption: Exemption | None = None, on_time: int | None = None,
             facts: BranchFacts | None = None) -> RuleState:
    """The state of one rule for one period at `now` (pure: no queries). `on_time` is how many of the
    `held` were entered before the period's grace window closed (None: all of them)."""
    return RuleState(rule.kind, party_group.id if party_group else None, party_group.name if party_group else "",
                     period, rule.minimum, held, _state(rule, period, held, now, not_applicable, exemption, on_time),
                     rule.article, rule.id, rule, now, not_applicable, exemption, on_time, facts)


@dataclass
class HeldCounts:
    """Held meetings per month, as they stood at `now`, keyed for O(1) lookups."""

    by_group: dict  # (branch, party group, kind, month) -> n
    by_kind: dict  # (branch, kind, month) -> n
    all_activities: dict  # (counted kinds, branch, month) -> n, each meeting with one of the kinds once

    def kind(self, branch_id: int, kind: str, period: Period) -> int:
        return sum(self.by_kind.get((branch_id, kind, m), 0) for m in period.months())

    def group(self, branch_id: int, group_id: int, kind: str, period: Period) -> int:
        return sum(self.by_group.get((branch_id, group_id, kind, m), 0) for m in period.months())

    def activities(self, branch_id: int, period: Period, kinds: frozenset) -> int:
        return sum(self.all_activities.get((kinds, branch_id, m), 0) for m in period.months())


def held_queries(branch_ids: Sequence[int], *, year: int, now: datetime, counted: Sequence[frozenset] = ()):
    """The grouped queries the engine runs: held meetings per (branch, party group, kind, month), and for
    each set of kinds an all-activities total counts (QuotaRule.counted_kinds; one set by default), the
    meetings per (branch, month) with one of those kinds, each once. A meeting counts in the (local) month
    it was held; one not yet recorded at `now` did not exist then."""
    start, end = local_midnight(date(year, 1, 1)), local_midnight(date(year + 1, 1, 1))
    window = {"branch_id__in": branch_ids, "status": Meeting.Status.HELD, "held_at__gte": start, "held_at__lt": end,
              "held_at__lte": now, "recorded_at__lte": now}
    by_kind = (  # one join, filtered on the joined meeting (a `meeting__in` subquery scans meetings twice)
        MeetingKind.objects.filter(**{f"meeting__{k}": v for k, v in window.items()})
        .values("meeting__branch_id", "meeting__party_group_id", "kind", month=ExtractMonth("meeting__held_at"))
        .annotate(n=Count("id"))
        .values_list("meeting__branch_id", "meeting__party_group_id", "kind", "month", "n")
    )
    totals = []
    for kinds in counted:
        meetings = Meeting.objects.filter(**window)
        if kinds != ALL_KINDS:  # a hashed semi-join on the kinds counted: as cheap as counting every meeting
            meetings = meetings.filter(id__in=MeetingKind.objects.filter(kind__in=sorted(kinds)).values("meeting_id"))
        totals.append(meetings.values("branch_id", month=ExtractMonth("held_at")).annotate(n=Count("id"))
                      .values_list("branch_id", "month", "n"))
    return (by_kind, *totals)


def held_counts(branch_ids: Sequence[int], *, year: int, now: datetime, counted: Iterable[frozenset] = ()) -> HeldCounts:
    counted = list(counted)
    by_kind, *totals = held_queries(branch_ids, year=year, now=now, counted=counted)
    counts = HeldCounts(defaultdict(int), defaultdict(int), {})
    for branch_id, group_id, kind, month, n in by_kind:
        counts.by_group[(branch_id, group_id, kind, month)] += n
        counts.by_kind[(branch_id, kind, month)] += n
    for kinds, rows in zip(counted, totals, strict=True):
        for branch_id, month, n in rows:
            counts.all_activities[(kinds, branch_id, month)] = n
    return counts


def completion_counts(branch_ids: Sequence[int], *, year: int, now: datetime) -> dict:
    """Completed campaigns per (branch, kind, month) of `year`, as they stood at `now` (one grouped
    query): what the rules counted from completions count instead of meetings of their kind."""
    rows = (CampaignCompletion.objects.filter(branch_id__in=branch_ids, counts_on__year=year, completed_at__lte=now)
            .values("branch_id", "kind", month=ExtractMonth("counts_on")).annotate(n=Count("id"))
            .values_list("branch_id", "kind", "month", "n"))
    return {(branch_id, kind, month): n for branch_id, kind, month, n in rows}


@dataclass
class LateRecords:
    """Held meetings recorded at least the shortest grace after they were held: the only records that can
    have missed a period's 补记 window (all the others were entered before any window closed)."""

    by_kind: dict  # (branch, kind) -> {month: [(party group, recorded_at)]}
    by_branch: dict  # branch -> {month: [(kinds, recorded_at)]}, each meeting once

    @staticmethod
    def after(records: dict, period: Period, cutoff: datetime, group_id: int | None = None, grouped: bool = False) -> int:
        """Records of `period` (of the group, if `grouped`) entered at or after `cutoff`."""
        late = 0
        for month in period.months():
            for group, recorded_at in records.get(month, ()):
                if recorded_at >= cutoff and (not grouped or group == group_id):
                    late += 1
        return late

    @staticmethod
    def activities_after(records: dict, period: Period, cutoff: datetime, kinds: frozenset) -> int:
        """Meetings of `period` with one of `kinds` entered at or after `cutoff`."""
        late = 0
        for month in period.months():
            for meeting_kinds, recorded_at in records.get(month, ()):
                if recorded_at >= cutoff and meeting_kinds & kinds:
                    late += 1
        return late


def late_records(branch_ids: Sequence[int], *, year: int, now: datetime, min_grace_days: int) -> LateRecords:
    """One query: the year's held meetings recorded `min_grace_days` or more after they were held (by `now`)."""
    start, end = local_midnight(date(year, 1, 1)), local_midnight(date(year + 1, 1, 1))
    keep = wanted_ids(branch_ids)  # late records are few: many branches are kept in Python, not by an IN list
    rows = (MeetingKind.objects
            .filter(meeting__status=Meeting.Status.HELD, meeting__held_at__gte=start,
                    meeting__held_at__lt=end, meeting__held_at__lte=now, meeting__recorded_at__lte=now,
                    meeting__recorded_at__gte=F("meeting__held_at") + timedelta(days=min_grace_days)))
    if keep is None:
        rows = rows.filter(meeting__branch_id__in=branch_ids)
    rows = rows.values_list("meeting_id", "meeting__branch_id", "meeting__party_group_id", "kind",
                            ExtractMonth("meeting__held_at"), "meeting__recorded_at")
    result, meetings = LateRecords(defaultdict(lambda: defaultdict(list)), defaultdict(lambda: defaultdict(list))), {}
    for meeting_id, branch_id, group_id, kind, month, recorded_at in rows:
        if keep is not None and branch_id not in keep:
            continue
        result.by_kind[(branch_id, kind)][month].append((group_id, recorded_at))
        meetings.setdefault(meeting_id, (branch_id, month, set(), recorded_at))[2].add(kind)
    for branch_id, month, kinds, recorded_at in meetings.values():
        result.by_branch[branch_id][month].append((frozenset(kinds), recorded_at))
    return result


def month_starts(year: int) -> list[date]:
    """The days the engine reads a branch's facts on: every period of a rule begins on one of them."""
    return [date(year, month, 1) for month in range(1, 13)]


def compliance_for_branches(branches: Sequence[Organization], *, year: int, now: datetime) -> dict[int, list[RuleState]]:
    """Every rule-period of `year` for each branch, evaluated at `now`, in a constant number of queries.

    Each period is judged by the facts of its first day (the roster from membership history, the 党小组
    that existed then), never by today's branch; a period met only by records entered after its grace
    window is `met_late`."""
    branches = [b for b in branches if b.is_branch]
    if not branches:
        return {}
    ids = [b.pk for b in branches]
    book = RuleBook.load()
    facts = branch_facts_on(branches, days=month_starts(year))
    groups = defaultdict(list)
    for group in PartyGroup.objects.filter(branch_id__in=ids, set_up_on__lte=date(year, 12, 31)).filter(
            Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=date(year, 1, 1))).order_by("name"):
        groups[group.branch_id].append(group)
    exemptions = defaultdict(list)
    for ex in Exemption.objects.filter(branch_id__in=ids, member__isnull=True, status=Exemption.Status.APPROVED,
                                       starts_on__lte=date(year, 12, 31), ends_on__gte=date(year, 1, 1)):
        exemptions[ex.branch_id].append(ex)
    counts = held_counts(ids, year=year, now=now, counted=book.counted_kind_sets)
    late = late_records(ids, year=year, now=now, min_grace_days=book.min_grace_days)
    completed = HeldCounts({}, completion_counts(ids, year=year, now=now), {})
    PER_GROUP, ALWAYS, COMPLETIONS = QuotaRule.Condition.PER_GROUP, QuotaRule.Condition.ALWAYS, QuotaRule.CountedFrom.COMPLETIONS
    # equal facts are one object (members.selectors): a reason is worked out once per condition and facts
    reasons = {}
    grace_ends = {}

    def late_after(rule, period):
        key = (rule.grace_days, period.end)
        found = grace_ends.get(key)
        if found is None:
            found = grace_ends[key] = grace_end(rule, period)
        return found

    result = {}
    for branch in branches:
        branch_id = branch.id  # plain attributes: `.pk` is a property call, hundreds of thousands of times
        branch_exemptions = exemptions.get(branch_id, ())
        branch_groups = groups.get(branch_id, ())
        na_reasons = {}
        states = []
        for rp in book.periods(branch, year):
            rule, period = rp.rule, rp.period
            exemption = next((e for e in branch_exemptions if e.starts_on <= period.start and e.ends_on >= period.last_day),
                             None) if branch_exemptions else None
            condition = rule.condition
            reason, fact = "", None
            if condition != ALWAYS:  # judged by the facts of the period's first day, once per condition and day
                na_key = (condition, period.start)
                cached = na_reasons.get(na_key)
                if cached is None:
                    fact = facts[(branch_id, period.start)]
                    reason_key = (condition, id(fact))
                    reason = reasons.get(reason_key)
                    if reason is None:
                        reason = reasons[reason_key] = "" if condition == PER_GROUP else not_applicable_reason(rule, fact)
                    cached = na_reasons[na_key] = (reason, fact)
                reason, fact = cached
            if condition == PER_GROUP:
                records = late.by_kind.get((branch_id, rule.kind))
                for group in branch_groups:
                    if not group.existed_on(period.start):
                        continue
                    held = counts.group(branch_id, group.id, rule.kind, period)
                    on_time = None
                    if records and held >= rule.minimum:
                        on_time = held - late.after(records, period, late_after(rule, period), group.id, grouped=True)
                    states.append(evaluate(rule=rule, period=period, held=held, now=now, party_group=group,
                                           exemption=exemption, on_time=on_time, facts=fact))
                continue
            if rule.counted_from == COMPLETIONS:  # a campaign, not any meeting of the kind
                held, records = completed.kind(branch_id, rule.kind, period), None
            elif rule.kind == QuotaRule.ALL_ACTIVITIES:
                held, records = counts.activities(branch_id, period, rule.counted_kind_set), late.by_branch.get(branch_id)
            else:
                held, records = counts.kind(branch_id, rule.kind, period), late.by_kind.get((branch_id, rule.kind))
            on_time = None
            if records and held >= rule.minimum:
                if rule.kind == QuotaRule.ALL_ACTIVITIES:
                    on_time = held - late.activities_after(records, period, late_after(rule, period), rule.counted_kind_set)
                else:
                    on_time = held - late.after(records, period, late_after(rule, period))
            states.append(evaluate(rule=rule, period=period, held=held, now=now, not_applicable=reason,
                                   exemption=exemption, on_time=on_time, facts=fact))
        result[branch_id] = states
    return result


def not_applicable_reason(rule: QuotaRule, facts: BranchFacts) -> str:
    """Why a conditional rule does not apply to a branch with these facts ("" when it applies)."""
    if rule.condition == QuotaRule.Condition.HAS_COMMITTEE and not facts.needs_committee:
        return (f"党支部正式党员{facts.full_member_count}人，不足{facts.committee_min_full_members}人，"
                "未设支部委员会")
    if rule.condition == QuotaRule.Condition.NO_GROUPS and facts.has_groups:
        return "党支部已划分党小组，按已划分党小组的要求执行"
    if rule.condition == QuotaRule.Condition.HAS_GROUPS and not facts.has_groups:
        return "党支部未划分党小组，按未划分党小组的要求执行"
    return ""


def compliance_for_branch(branch: Organization, *, year: int, now: datetime) -> list[RuleState]:
    return compliance_for_branches([branch], year=year, now=now).get(branch.pk, [])


_URGENCY = {State.OVERDUE: 0, State.LATE: 1, State.DUE_SOON: 2, State.PENDING: 3, State.MET_LATE: 4, State.MET: 4,
            State.EXEMPT: 5}


def current_obligations(branch: Organization, *, now: datetime) -> list[RuleState]:
    """What the branch owes now, most urgent first: the running periods, plus earlier ones of this year
    still late or overdue."""
    today = timezone.localdate(now)
    states = compliance_for_branch(branch, year=today.year, now=now)
    owed = [s for s in states if s.state != State.NOT_APPLICABLE and (
        s.period.start <= today < s.period.end or (s.period.end <= today and s.state in (State.LATE, State.OVERDUE)))]
    return sorted(owed, key=lambda s: (_URGENCY[s.state], s.period.start))

