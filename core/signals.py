"""Signals across floors. A lower app announces that a branch's records changed; higher floors keep
their read models current (the compliance rollup, cached record books) without the lower app knowing
them: the import arrows still point down."""

from collections.abc import Iterable

from django.db import transaction
from django.dispatch import Signal

# Sent once the transaction that changed a branch's records (meetings, attendance, leave, exemptions,
# roster, 党小组, campaigns) has committed. Keyword arguments: branch_ids (a frozenset of ints) and
# years (a frozenset of the years the change concerns, or None: any, e.g. a roster change).
branch_records_changed = Signal()

# Sent at once, inside the transaction that changes a branch's records (rolled back with it): receivers
# mark what they keep for those branches as no longer current, so it is re-evaluated even if the
# after-commit refresh never runs. Keyword argument: branch_ids (a frozenset of ints).
branch_records_changing = Signal()


def announce_branch_change(branch_ids: Iterable[int], *, years: Iterable[int] | None = None) -> None:
    """Send branch_records_changed for these branches after the current transaction commits (at once
    outside one). Services call this, naming the years when they know them (a meeting: the year it
    was held); receivers must be cheap or enqueue work."""
    ids = frozenset(i for i in branch_ids if i is not None)
    only = None if years is None else frozenset(years)
    if ids:
        branch_records_changing.send(sender=None, branch_ids=ids)
        transaction.on_commit(lambda: branch_records_changed.send(sender=None, branch_ids=ids, years=only))


# Sent once the transaction that asked for or decided a leave request has committed. Keyword
# arguments: leave_id (int), event ("requested" or "decided"), now (the service's time). Higher floors
# tell the approvers and the member (inspections.receivers) without meetings/ knowing how.
leave_request_changed = Signal()


def announce_leave(leave_id: int, *, event: str, now) -> None:
    transaction.on_commit(lambda: leave_request_changed.send(sender=None, leave_id=leave_id, event=event, now=now))
