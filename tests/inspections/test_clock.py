"""The six-month clock as pure functions (党章 第九条): which months count, skip or break the run."""

from datetime import date

import pytest
from dateutil.relativedelta import relativedelta

from core.dates import month_starts_back
from inspections.clock import MonthFact, Thresholds, consecutive_run, level_for, theme_day_rule

CURRENT = date(2026, 7, 1)
MONTHS = month_starts_back(date(2026, 7, 15), 13)


def absent(month):
    return MonthFact(month, expected=True, attended=False, excused=False)


def facts(*items):
    return {f.month: f for f in items}


def test_month_starts_back_crosses_the_year_newest_first():
    assert month_starts_back(date(2026, 2, 10), 4) == [date(2026, 2, 1), date(2026, 1, 1), date(2025, 12, 1), date(2025, 11, 1)]


def test_completed_absent_months_count_and_the_running_month_waits():
    f = facts(MonthFact(date(2025, 12, 1), True, True, False), *(absent(date(2026, m, 1)) for m in range(1, 8)))
    run = consecutive_run(f, months=MONTHS, current=CURRENT)
    assert run.length == 6 and run.first == date(2026, 1, 1)


def test_attending_in_the_running_month_breaks_the_run_at_once():
    f = facts(*(absent(date(2026, m, 1)) for m in range(1, 7)), MonthFact(CURRENT, True, True, False))
    assert consecutive_run(f, months=MONTHS, current=CURRENT).length == 0


def test_calendar_months_without_meetings_count_in_the_run():
    f = facts(absent(date(2026, 6, 1)), absent(date(2026, 4, 1)), absent(date(2026, 3, 1)),
              MonthFact(date(2026, 2, 1), True, True, False))
    run = consecutive_run(f, months=MONTHS, current=CURRENT)  # May: no meeting held, still a month away
    assert run.months == (date(2026, 6, 1), date(2026, 5, 1), date(2026, 4, 1), date(2026, 3, 1))
    assert run.expected == (date(2026, 6, 1), date(2026, 4, 1), date(2026, 3, 1)) and run.flaggable


def test_a_branch_meeting_every_other_month_reaches_six_after_six_calendar_months():
    # held in Jan, Mar, May; he attended nothing since December
    f = facts(MonthFact(date(2025, 12, 1), True, True, False), absent(date(2026, 1, 1)), absent(date(2026, 3, 1)),
              absent(date(2026, 5, 1)))
    assert consecutive_run(f, months=MONTHS, current=CURRENT).length == 6  # January–June


def test_a_run_in_which_the_branch_held_nothing_is_not_flaggable():
    f = facts(MonthFact(date(2025, 12, 1), True, True, False))
    run = consecutive_run(f, months=MONTHS, current=CURRENT)
    assert run.length == 6 and not run.flaggable


def test_an_exemption_ends_the_run_like_leave():
    f = facts(absent(date(2026, 6, 1)), absent(date(2026, 5, 1)), absent(date(2026, 4, 1)),
              MonthFact(date(2026, 3, 1), True, False, False, exempt=True),
              MonthFact(date(2026, 2, 1), False, False, False, exempt=True),
              absent(date(2026, 1, 1)), absent(date(2025, 12, 1)), absent(date(2025, 11, 1)))
    run = consecutive_run(f, months=MONTHS, current=CURRENT)
    assert run.months == (date(2026, 6, 1), date(2026, 5, 1), date(2026, 4, 1))  # 3 + 2 exempt + 3 is not 6


def test_approved_leave_breaks():
    f = facts(absent(date(2026, 6, 1)), MonthFact(date(2026, 5, 1), True, False, True), absent(date(2026, 4, 1)))
    assert consecutive_run(f, months=MONTHS, current=CURRENT).length == 1


def test_the_run_stops_at_the_month_he_joined():
    f = facts(absent(date(2026, 6, 1)), absent(date(2026, 5, 1)), absent(date(2026, 1, 1)))
    run = consecutive_run(f, months=MONTHS, current=CURRENT, since=date(2026, 4, 1))
    assert run.months == (date(2026, 6, 1), date(2026, 5, 1), date(2026, 4, 1))


def test_the_run_stops_where_the_records_begin():
    f = facts(absent(date(2026, 6, 1)), absent(date(2026, 4, 1)))  # the branch's history starts in April
    assert consecutive_run(f, months=MONTHS, current=CURRENT).months == (date(2026, 6, 1), date(2026, 5, 1),
                                                                          date(2026, 4, 1))


def test_a_recorded_justification_breaks_even_without_a_meeting():
    f = facts(absent(date(2026, 6, 1)), MonthFact(date(2026, 5, 1), False, False, True), absent(date(2026, 4, 1)))
    assert consecutive_run(f, months=MONTHS, current=CURRENT).length == 1


@pytest.mark.parametrize(("months", "level"), [(2, None), (3, "info"), (4, "warning"), (5, "warning"), (6, "serious"),
                                               (9, "serious")])
def test_escalation_ladder(months, level):
    assert level_for(months, Thresholds(3, 4, 6)) == level


def test_theme_day_rule_counts_consecutive_and_cumulative():
    months = [date(2026, m, 1) for m in range(1, 10)]
    f = facts(absent(date(2026, 1, 1)), absent(date(2026, 2, 1)), MonthFact(date(2026, 3, 1), True, True, False),
              absent(date(2026, 5, 1)), absent(date(2026, 6, 1)), absent(date(2026, 7, 1)))
    result = theme_day_rule(f, months=months)
    assert (result.consecutive, result.cumulative) == (3, 5)


def test_theme_day_rule_over_a_window_crossing_the_year():
    months = [date(2025, 6, 1) + relativedelta(months=k) for k in range(12)]  # June 2025 – May 2026
    f = facts(absent(date(2025, 12, 1)), absent(date(2026, 1, 1)), absent(date(2026, 2, 1)))
    assert theme_day_rule(f, months=months).consecutive == 3


def test_theme_day_rule_an_exempt_month_ends_the_consecutive_run():
    months = [date(2026, m, 1) for m in range(1, 6)]
    f = facts(absent(date(2026, 1, 1)), absent(date(2026, 2, 1)),
              MonthFact(date(2026, 3, 1), True, False, False, exempt=True), absent(date(2026, 4, 1)))
    assert (theme_day_rule(f, months=months).consecutive, theme_day_rule(f, months=months).cumulative) == (2, 3)
