"""Calendar arithmetic every app shares: months and years, in whole local dates."""

from datetime import date


def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier), clamped to the month's last day (31 Aug − 6 → 28 Feb).
    On the first of a month this is simply the first of the other month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = index // 12, index % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month_start(day: date) -> date:
    return add_months(month_start(day), 1)


def month_starts_back(current: date, count: int) -> list[date]:
    """`count` month starts ending with `current`'s month, newest first."""
    return [add_months(month_start(current), -k) for k in range(count)]


def add_years(day: date, years: int, *, leap_day_to: str = "feb28") -> date:
    """The same date `years` later. 29 February in a common year becomes 28 February (terms of office
    end a day early rather than late) or, with leap_day_to="mar1", 1 March (a birthday is reached
    only once the 29th has passed)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1) if leap_day_to == "mar1" else date(day.year + years, 2, 28)
