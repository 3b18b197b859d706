"""Reactions to changes announced by lower floors (core.signals.branch_records_changed)."""

from django.utils import timezone

from branches.models import Organization
from reviews.services.talks import sync_talk_coverage


def resync_talk_coverage(sender, branch_ids, **kwargs):
    """A roster change (a new member, a new 支委, a transfer) can win or lose a branch's 谈心谈话 coverage
    for the year: re-sync those branches (a constant number of queries whatever their number; a no-op
    when nothing changed, so the announcement it may send does not loop)."""
    now = timezone.now()
    branches = list(Organization.objects.filter(pk__in=branch_ids, kind=Organization.Kind.BRANCH))
    sync_talk_coverage(branches=branches, year=timezone.localdate(now).year, now=now)
