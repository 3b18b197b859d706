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
    excused: bool  # every meeting he missed that month was excused (请假 with a 事由), or a 正当理由 recorded
    exempt: bool = False  # an approved 暂不参加组织生活 overlapping the month


@dataclass(frozen=True)
class Thresholds:
    remind: int = 3  # talk with the member (local ladder, domain-rules §4 [P])
    escalate: int = 4  # 4–5 months: escalated
    flag: int = 6  # 党章 第九条: 需支部大会研究


@dataclass(frozen=True)
class Run:
    months: tuple[date, ...]  # the counted calendar months, newest first
    expected: tuple[date, ...] = ()  # those of them in which the branch held something he was expected at

    @property
    def length(self) -> int:
        return len(self.months)

    @property
    def first(self) -> date | None:
        return self.months[-1] if self.months else None

    @property
    def flaggable(self) -> bool:
        """A run in which the branch held nothing for him is the branch's failure (its meeting alerts),
        not the member's (domain-rules "Clarifications": six-month run)."""
        return bool(self.expected)


def _breaks(fact: MonthFact | None) -> bool:
    return fact is not None and (fact.attended or fact.excused or fact.exempt)


def consecutive_run(facts: Mapping[date, MonthFact], *, months: Sequence[date], current: date,
                    since: date | None = None) -> Run:
    """The calendar months since the member last took part or was excused (domain-rules
    "Clarifications": six-month run), counted back from the newest completed month.

    `months` is newest first and starts with `current`, the running month; `since` is the first month
    he could be counted in (the month he joined the Party). The run also stops before the first month
    the records show him expected at anything: months before a branch's history was entered are no
    evidence either way.

    - attended, excused (every meeting missed that month was excused) or exempt (an approved
      暂不参加组织生活 is a 正当理由 like leave): ends the run;
    - any other calendar month counts, whether or not the branch met: 第九条 speaks of six months, not
      six meetings (a branch meeting every other month otherwise reaches "6" after 11). Whether the
      member may be flagged at all is `Run.flaggable`;
    - the running month counts only once it is over: inside it, attending or an excuse ends the run at
      once (the alert closes the next scan), an absence waits for the month's end.
    """
    counted: list[date] = []
    expected: list[date] = []
    known = min((m for m, f in facts.items() if f.expected), default=None)
    floor = max((d for d in (since, known) if d is not None), default=None)
    for month in months:
        if floor is not None and month < floor:
            break
        fact = facts.get(month)
        if _breaks(fact):
            break
        if month >= current:
            continue
        counted.append(month)
        if fact is not None and fact.expected:
            expected.append(month)
    return Run(tuple(counted), tuple(expected))


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
    held = "、".join(_ym(m) for m in reversed(run.expected))
    return (f"{name}自{_ym(run.first)}起连续{run.length}个自然月{noun}，且无请假批准、暂不参加组织生活批准或认定的正当理由"
            f"（其间党支部在{held}组织了应参加的活动；按自然月计算，未开展活动的月份也计入；"
            f"提醒/升级/研究阈值{thresholds.remind}/{thresholds.escalate}/{thresholds.flag}个月）。"
            f"{NEXT_STEP[level]}")


@dataclass(frozen=True)
class LocalRuleResult:
    consecutive: int  # longest run of unexcused absent months in the window
    cumulative: int  # unexcused absent months in the window
    months: tuple[date, ...]


def theme_day_rule(facts: Mapping[date, MonthFact], *, months: Sequence[date]) -> LocalRuleResult:
    """The optional local rule of the seed text (海沧 practice, domain-rules default policy): absent
    without reason from 主题党日 3 consecutive or 6 cumulative months within a rolling window (12
    months by default: a December–February run is caught). `months` are the window's completed
    months, oldest first. A month with no 主题党日 held for him is skipped (the branch's failure); a
    month he attended, was excused for every 主题党日 he missed, or was exempt ends a consecutive run."""
    longest = current = 0
    absent: list[date] = []
    for month in months:
        fact = facts.get(month)
        if _breaks(fact):
            current = 0
            continue
        if fact is None or not fact.expected:
            continue
        absent.append(month)
        current += 1
        longest = max(longest, current)
    return LocalRuleResult(longest, len(absent), tuple(absent))
