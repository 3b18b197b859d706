"""Completed campaigns as the compliance engine counts them (QuotaRule.counted_from = completions).

The campaigns live a floor above (reviews/): their services call these when a campaign completes,
reopens or (for 谈心谈话) when a year's coverage is reached or lost. One row per `source`; writing the
same state twice changes nothing, so callers may re-sync freely.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from meetings.models import CampaignCompletion


@dataclass(frozen=True)
class Completion:
    branch_id: int
    kind: str
    counts_on: date
    completed_at: datetime


def sync_completions(*, wanted: dict[str, Completion], considered: Iterable[str]) -> set[int]:
    """Make the rows of the `considered` sources exactly `wanted` (sources missing from it are
    withdrawn). Returns the branches whose rows changed. Constant number of queries."""
    considered = set(considered) | set(wanted)
    existing = {row.source: row for row in CampaignCompletion.objects.filter(source__in=considered)}
    changed: set[int] = set()
    stale = [row for source, row in existing.items() if source not in wanted]
    if stale:
        CampaignCompletion.objects.filter(pk__in=[row.pk for row in stale]).delete()
        changed |= {row.branch_id for row in stale}
    new, updated = [], []
    for source, c in wanted.items():
        row = existing.get(source)
        if row is None:
            new.append(CampaignCompletion(source=source, branch_id=c.branch_id, kind=c.kind, counts_on=c.counts_on,
                                          completed_at=c.completed_at))
        elif (row.branch_id, row.kind, row.counts_on, row.completed_at) != (c.branch_id, c.kind, c.counts_on, c.completed_at):
            row.branch_id, row.kind, row.counts_on, row.completed_at = c.branch_id, c.kind, c.counts_on, c.completed_at
            updated.append(row)
        else:
            continue
        changed.add(c.branch_id)
    CampaignCompletion.objects.bulk_create(new)
    CampaignCompletion.objects.bulk_update(updated, ["branch_id", "kind", "counts_on", "completed_at"])
    return changed


def record_completion(*, source: str, completion: Completion) -> bool:
    return bool(sync_completions(wanted={source: completion}, considered=[source]))


def withdraw_completion(*, source: str) -> bool:
    return bool(sync_completions(wanted={}, considered=[source]))
