"""What the meetings app does when a lower floor announces that a branch's records or roster changed
(core.signals, connected in MeetingsConfig.ready)."""

import logging

from django.utils import timezone

from meetings.rollup import refresh_branches
from meetings.tasks import refresh_rollup

logger = logging.getLogger(__name__)

INLINE_MAX = 200  # more branches than this at once (a large import) are refreshed by a worker


def on_branch_records_changed(sender, branch_ids, years=None, **kwargs) -> None:
    """After the change committed: refresh the compliance rollup of those branches (for the years the
    change concerns, when the sender knew them) now, so a logged meeting shows on the dashboards at
    once; a large batch (or a failed refresh) goes to a worker."""
    ids = sorted(branch_ids)
    if len(ids) > INLINE_MAX:
        refresh_rollup.delay(ids)
        return
    try:
        refresh_branches(ids, now=timezone.now(), only_years=years)
    except Exception:  # the records are saved; the worker (or the nightly rebuild) catches up
        logger.exception("compliance rollup refresh failed for branches %s; queued for a worker", ids)
        refresh_rollup.delay(ids)
