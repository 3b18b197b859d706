from datetime import datetime

import pytest
from django.utils import timezone

from meetings import services


def local(*args) -> datetime:
    """An aware datetime in Asia/Shanghai."""
    return timezone.make_aware(datetime(*args))


@pytest.fixture
def record():
    """record(branch, kinds, held_at, now=None, **fields): a held meeting, recorded at `now` (default: held_at)."""

    def _record(branch, kinds, held_at, now=None, topic="学习会", **fields):
        return services.record_meeting(actor=None, branch=branch, kinds=list(kinds), held_at=held_at, topic=topic,
                                       now=now or held_at, **fields)

    return _record
