"""What the meetings app does when a lower floor announces that a branch's records or roster changed
(core.signals, connected in MeetingsConfig.ready)."""

import logging

from django.utils import timezone

from meetings.models import Meeting
from meetings.rollup import mark_branches_stale, mark_stale, mark_tree_stale, refresh_branches
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


def on_policy_changed(sender, **kwargs) -> None:
    """A quota rule or policy value was saved or deleted: the stored figures stop holding now. Today's
    dashboards answer from the engine and ask a worker for a rebuild (inspections.dashboard); the next
    scan rebuilds them in any case."""
    if kwargs.get("raw"):  # loaddata
        return
    mark_stale()


def on_branch_records_changing(sender, branch_ids, **kwargs) -> None:
    """Inside the changing transaction: the branches' stored figures stop holding at once."""
    mark_branches_stale(branch_ids)


def on_organization_saved(sender, instance, **kwargs) -> None:
    """An organization was saved or deleted: its subtree's and ancestors' stored figures stop holding."""
    if kwargs.get("raw") or not instance.path:
        return
    mark_tree_stale(instance)


def on_record_saved(sender, instance, **kwargs) -> None:
    """A record a branch is judged by was saved or deleted through the ORM, whichever path did it (the
    services also announce their changes; a shell, a fixture or a data fix may not): its branch's stored
    figures stop holding, so the next scan re-evaluates them."""
    if kwargs.get("raw"):
        return
    branch_id = getattr(instance, "branch_id", None)
    if branch_id is None and getattr(instance, "meeting_id", None) is not None:
        branch_id = Meeting.objects.filter(pk=instance.meeting_id).values_list("branch_id", flat=True).first()
    if branch_id is not None:
        mark_branches_stale([branch_id])
