"""Calendar periods (month, quarter, half-year, year) in Asia/Shanghai, as half-open intervals."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from django.utils import timezone

from core.dates import add_months

PERIOD_MONTHS = {"month": 1, "quarter": 3, "half_year": 6, "year": 12}
_UNIT = {"month": "月", "quarter": "季度", "half_year": "半年", "year": "年度"}


@dataclass(frozen=True)
class Period:
    kind: str  # month / quarter / half_year / year
    start: date  # first day
    end: date  # first day of the next period (exclusive)

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def unit(self) -> str:
        return _UNIT[self.kind]

    @property
    def label(self) -> str:
        y, m = self.start.year, self.start.month
        return {
            "month": f"{y}年{m}月",
            "quarter": f"{y}年第{(m - 1) // 3 + 1}季度",
            "half_year": f"{y}年{'上' if m == 1 else '下'}半年",
            "year": f"{y}年",
        }[self.kind]

    def months(self) -> range:
        """Month numbers (1–12) the period covers."""
        return range(self.start.month, self.start.month + PERIOD_MONTHS[self.kind])


def is_period_start(kind: str, month: int) -> bool:
    return (month - 1) % PERIOD_MONTHS[kind] == 0


def period_starting(kind: str, year: int, month: int) -> Period:
    start = date(year, month, 1)
    return Period(kind, start, add_months(start, PERIOD_MONTHS[kind]))


def period_containing(kind: str, day: date) -> Period:
    size = PERIOD_MONTHS[kind]
    return period_starting(kind, day.year, (day.month - 1) // size * size + 1)


@lru_cache(maxsize=8192)
def local_midnight(day: date) -> datetime:
    """The aware datetime at which `day` begins in the project's time zone (cached: evaluating a
    city asks for the same few hundred period boundaries hundreds of thousands of times)."""
    return timezone.make_aware(datetime.combine(day, time.min))


def end_of_day(day: date) -> datetime:
    """The last instant of `day`: what "as it stood on that date" means for ?at=YYYY-MM-DD."""
    return local_midnight(day + timedelta(days=1)) - timedelta(microseconds=1)
