"""The six-month clock (党章 第九条), as pure functions over per-member monthly facts.

党章 第九条: "党员如果没有正当理由，连续六个月不参加党的组织生活，或不交纳党费，或不做党所分配的
工作，就被认为是自行脱党。" Each condition is a *source* of monthly facts (attendance now, dues
next): the clock counts each source's run separately and never changes a member's status; it only
opens a flag (domain-rules §4, §13). The SQL that produces the facts lives in inspections/sources.py.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class MonthFact:
    """What one source knows about one member in one calendar month (Asia/Shanghai)."""

    month: date  # first day of the month
    expected: bool  # expected at least once (attendance rows of held meetings; for dues: a payment was due)
    attended: bool  # took part at least once (for dues: paid)
    excused: bool  # approved leave, a leave mark, or a 正当理由 recorded by the branch
    exempt: bool = False  # an approved 暂不参加组织生活 overlapping the month


@dataclass(frozen=True)
class Thresholds:
    remind: int = 3  # talk with the member (local ladder, domain-rules §4 [P])
    escalate: int = 4  # 4–5 months: escalated
    flag: int = 6  # 党章 第九条: 需支部大会研究


@dataclass(frozen=True)
class Run:
    months: tuple[date, ...]  # the counted months, newest first

    @property
    def length(self) -> int:
        return len(self.months)

    @property
    def first(self) -> date | None:
        return self.months[-1] if self.months else None


def consecutive_run(facts: Mapping[date, MonthFact], *, months: Sequence[date], current: date) -> Run:
    """The unexcused months counted back from the newest one, until a month breaks the run.

    `months` is newest first and starts with `current`, the running month.

    - attended or excused: breaks the run (the member kept to organizational life, or the branch
      accepted a 正当理由 — domain-rules §5 encoding note);
    - not expected (no meeting held for him that month) or exempt: *skipped*, neither counted nor
      breaking. Why: 第九条 asks whether the member stayed away from the life the organization
      provided. A month without any meeting is evidence neither way — counting it would flag every
      member of an inactive branch (that is the branch's meeting_overdue alert), breaking it would let
      one skipped month reset everyone's clock. An exemption takes the months out of the clock
      (design.md "excluded from … the six-month clock") without pardoning the months before it;
    - the running month counts only once it is over: inside it, attending breaks the run at once
      (the alert closes the next scan), an absence waits for the month's end.
    """
    counted: list[date] = []
    for month in months:
        fact = facts.get(month)
        if fact is None or fact.exempt or not fact.expected:
            if fact is not None and (fact.attended or fact.excused) and not fact.exempt:
                break
            continue
        if fact.attended or fact.excused:
            break
        if month >= current:
            continue
        counted.append(month)
    return Run(tuple(counted))


def level_for(run_length: int, thresholds: Thresholds) -> str | None:
    """info at `remind`, warning at `escalate`, serious ("需支部大会研究") at `flag`; None below."""
    if run_length >= thresholds.flag:
        return "serious"
    if run_length >= thresholds.escalate:
        return "warning"
    if run_length >= thresholds.remind:
        return "info"
    return None


def _ym(day: date) -> str:
    return f"{day.year}年{day.month}月"


NEXT_STEP = {
    "info": "请党支部书记或支委与其谈心谈话，了解原因并记录。",
    "warning": "已升级提醒：请党支部加强教育帮助，查明是否有正当理由。",
    "serious": ("需支部大会研究：党章第九条规定，没有正当理由连续六个月不参加党的组织生活的，被认为是自行脱党，"
                "由支部大会决定并报上级党组织批准。系统不会自动改变党员状态。"),
}


def explain(*, name: str, run: Run, level: str, noun: str, thresholds: Thresholds) -> str:
    months = "、".join(_ym(m) for m in reversed(run.months))
    return (f"{name}自{_ym(run.first)}起连续{run.length}个月{noun}，且无请假批准、暂不参加组织生活批准或认定的正当理由"
            f"（{months}；提醒/升级/研究阈值{thresholds.remind}/{thresholds.escalate}/{thresholds.flag}个月）。"
            f"{NEXT_STEP[level]}")


@dataclass(frozen=True)
class LocalRuleResult:
    consecutive: int  # longest run of unexcused absent months in the year
    cumulative: int  # unexcused absent months in the year
    months: tuple[date, ...]


def theme_day_rule(facts: Mapping[date, MonthFact], *, months: Sequence[date]) -> LocalRuleResult:
    """The optional local rule of the seed text (海沧 practice, domain-rules default policy): absent
    from 主题党日 3 consecutive or 6 cumulative months in a year. `months` are the year's completed
    months, oldest first; months with no 主题党日 expected, or exempt, are skipped as above."""
    longest = current = 0
    absent: list[date] = []
    for month in months:
        fact = facts.get(month)
        if fact is None or fact.exempt or not fact.expected:
            continue
        if fact.attended or fact.excused:
            current = 0
            continue
        absent.append(month)
        current += 1
        longest = max(longest, current)
    return LocalRuleResult(longest, len(absent), tuple(absent))
