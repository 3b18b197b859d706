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


# Records of organizational life start with the Party (1921); nothing is dated after next year. Dates
# outside that range are typing errors or probes, and past year 9999 they overflow (issue 11, point 8).
FIRST_RECORD_YEAR = 1921


class OutOfRange(ValueError):
    """A year or date outside what any record can carry; the message is Chinese, for the person."""


def last_record_year(today: date) -> int:
    return today.year + 1


def parse_year(raw: str | None, *, today: date, default: int | None = None) -> int:
    """A year typed in a URL: digits within FIRST_RECORD_YEAR … next year, or OutOfRange."""
    if raw is None or str(raw).strip() == "":
        if default is None:
            raise OutOfRange("请填写年度。")
        return default
    text = str(raw).strip()
    last = last_record_year(today)
    if not text.isdigit() or not FIRST_RECORD_YEAR <= int(text) <= last:
        raise OutOfRange(f"年度“{text[:20]}”无效，应为 {FIRST_RECORD_YEAR} 至 {last} 之间的四位数字。")
    return int(text)


def parse_day(raw: str, *, today: date) -> date:
    """A YYYY-MM-DD date typed in a URL, within FIRST_RECORD_YEAR … next year, or OutOfRange."""
    try:
        day = date.fromisoformat(str(raw).strip())
    except ValueError:
        raise OutOfRange(f"日期“{str(raw)[:20]}”无效，请使用 YYYY-MM-DD 格式，如 {today:%Y-%m-%d}。") from None
    check_day(day, today=today)
    return day


def check_day(day: date, *, today: date) -> date:
    last = last_record_year(today)
    if not FIRST_RECORD_YEAR <= day.year <= last:
        raise OutOfRange(f"日期 {day:%Y-%m-%d} 超出范围，应在 {FIRST_RECORD_YEAR} 至 {last} 年之间。")
    return day
