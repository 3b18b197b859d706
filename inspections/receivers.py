"""Reactions to changes announced by lower floors (core.signals.branch_records_changed)."""

from django.utils import timezone

from inspections.scanners import scan_rectifications


def rescan_rectifications(sender, branch_ids, **kwargs):
    """A 整改事项 done (or a 限期改正 outcome recorded) closes its alert at once rather than at the next
    daily scan: re-scan those branches only (a few queries, whatever changed)."""
    scan_rectifications(now=timezone.now(), branch_ids=branch_ids)
