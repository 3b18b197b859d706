"""Reactions to changes announced by lower floors (core.signals.branch_records_changed)."""

from django.utils import timezone

from branches.models import Organization
from reviews.selectors import talk_coverage_candidates
from reviews.services.talks import sync_talk_coverage


def resync_talk_coverage(sender, branch_ids, **kwargs):
    """A roster change (a new member, a new 支委, a transfer) can win or lose a branch's 谈心谈话 coverage
    for the year: re-sync those branches (a constant number of queries whatever their number; a no-op
    when nothing changed, so the announcement it may send does not loop)."""
    now = timezone.now()
    year = timezone.localdate(now).year
    branches = list(Organization.objects.filter(talk_coverage_candidates(year=year), pk__in=branch_ids))
    if branches:  # most changes touch branches without talks this year: nothing to re-sync
        sync_talk_coverage(branches=branches, year=year, now=now)
