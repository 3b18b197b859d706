import pytest

from meetings import services as meeting_services
from meetings.models import Attendance, Kind
from tests.factories import make_member
from tests.meetings.conftest import local

ABSENT = meeting_services.Mark(status=Attendance.Status.ABSENT)
LEAVE = meeting_services.Mark(status=Attendance.Status.LEAVE, reason="出差")


@pytest.fixture
def record():
    """record(branch, kinds, held_at, now=None, **fields), as in tests/meetings/conftest.py."""

    def _record(branch, kinds, held_at, now=None, topic="学习会", **fields):
        return meeting_services.record_meeting(actor=None, branch=branch, kinds=list(kinds), held_at=held_at,
                                               topic=topic, now=now or held_at, **fields)

    return _record


@pytest.fixture
def absentee(tree):
    """A member of branch A who will miss meetings."""
    return make_member(tree["a"], name="缺席者")


@pytest.fixture
def monthly(record, tree, absentee):
    """monthly(months, mark=ABSENT, year=2026, day=10): a 主题党日 in branch A on `day` of each month,
    recorded the same day, with `absentee` marked `mark` (None: present)."""

    def _monthly(months, mark=ABSENT, year=2026, day=10, branch=None, member=None):
        who = member or absentee
        for month in months:
            record(branch or tree["a"], [Kind.THEME_DAY], local(year, month, day, 9, 0),
                   attendance={} if mark is None else {who.pk: mark})

    return _monthly
