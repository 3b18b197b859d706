"""Read-side queries for members: what a user may see, and who belonged where when."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q, QuerySet

from branches.models import Organization, PartyGroup, PolicyValue
from branches.permissions import Perm, has_perm, org_filter
from branches.policy import policy_values_on
from core.bulk import wanted_ids
from members.models import Member, Membership

# Members who no longer take part: not on any roster, whatever their membership rows say.
INACTIVE_STATUSES = (Member.Status.SUSPENDED, Member.Status.REMOVED, Member.Status.DECEASED)


def visible_members(user) -> QuerySet[Member]:
    """Members of the organizations where the user may view rosters; a plain member sees only himself."""
    if not user.is_authenticated:
        return Member.objects.none()
    q = org_filter(user, Perm.VIEW, prefix="branch__")
    if q is None:
        return Member.objects.all()
    member = getattr(user, "member", None)
    if member is not None:
        q |= Q(pk=member.pk)
    return Member.objects.filter(q)


def can_see_id_numbers(user, member: Member) -> bool:
    """Full 公民身份号码 only for those who manage the member's roster, and the member himself."""
    own = getattr(user, "member", None)
    return (own is not None and own.pk == member.pk) or has_perm(user, Perm.MANAGE_MEMBERS, member.branch)


def memberships_on(branch: Organization, on: date) -> QuerySet[Membership]:
    """The branch's membership rows open on `on` (rows are half-open: [started_on, ended_on))."""
    return Membership.objects.filter(branch=branch, started_on__lte=on).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gt=on))


def roster_at(branch: Organization, on: date) -> QuerySet[Member]:
    """Members who belonged to `branch` on `on`, from membership history (not the current roster)."""
    return Member.objects.filter(pk__in=memberships_on(branch, on).values("member_id"))


def active_members(branch: Organization) -> QuerySet[Member]:
    return Member.objects.filter(branch=branch, status=Member.Status.NORMAL)


def memberships_of(member: Member) -> QuerySet[Membership]:
    return member.memberships.select_related("branch", "party_group").order_by("started_on")


@dataclass(frozen=True)
class BranchFacts:
    """Facts the rules derive from the roster; never stored."""

    member_count: int
    full_member_count: int
    probationary_count: int
    group_count: int
    committee_min_full_members: int  # the threshold in force (PolicyValue), for explanations
    needs_committee: bool  # 支部条例: 正式党员 ≥ threshold → 设立支部委员会
    below_minimum: bool  # fewer 正式党员 than a branch needs (联合党支部)
    over_soft_max: bool  # 党员人数一般不超过 threshold: a warning, not a block
    should_split_groups: bool  # large branch without 党小组

    @property
    def has_groups(self) -> bool:
        return self.group_count > 0


def branch_facts_on(branches: list[Organization], *, days: list[date]) -> dict[tuple[int, date], BranchFacts]:
    """{(branch id, day): facts} as they stood on each day (domain-rules "Clarifications": conditions are
    judged on the facts of the period, never on today's branch): the roster from membership history (rows
    open on the day, of members not suspended, removed or deceased; 正式党员 once confirmed), the 党小组 that
    existed that day. One grouped query over memberships, one over groups, and the thresholds in force."""
    days = sorted(set(days))
    ids = [b.pk for b in branches]
    if not ids or not days:
        return {}
    aggregates = {}
    for i, day in enumerate(days):
        open_on = Q(started_on__lte=day) & (Q(ended_on__isnull=True) | Q(ended_on__gt=day))
        full_on = Q(member__category=Member.Category.FULL) & (
            Q(member__confirmed_on__isnull=True) | Q(member__confirmed_on__lte=day))
        aggregates[f"t{i}"] = Count("id", filter=open_on)
        aggregates[f"f{i}"] = Count("id", filter=open_on & full_on)
    keep = wanted_ids(ids)  # a row per branch or group: many branches are kept in Python, not by an IN list
    memberships = Membership.objects.filter(started_on__lte=days[-1]).filter(Q(ended_on__isnull=True) | Q(ended_on__gt=days[0]))
    groups = PartyGroup.objects.all()
    if keep is None:
        memberships, groups = memberships.filter(branch_id__in=ids), groups.filter(branch_id__in=ids)
    counts = {row[0]: row[1:] for row in  # branch -> (total on day 0, full on day 0, total on day 1, …)
              memberships.exclude(member__status__in=INACTIVE_STATUSES)
              .values("branch_id").annotate(**aggregates).values_list("branch_id", *aggregates)}
    steady, changing = defaultdict(int), defaultdict(lambda: [0] * len(days))  # groups existing on every day, or not
    for branch_id, set_up_on, dissolved_on in groups.values_list("branch_id", "set_up_on", "dissolved_on"):
        if keep is not None and branch_id not in keep:
            continue
        if set_up_on <= days[0] and (dissolved_on is None or dissolved_on > days[-1]):
            steady[branch_id] += 1
            continue
        per_day = changing[branch_id]
        for i, day in enumerate(days):
            if set_up_on <= day and (dissolved_on is None or day < dissolved_on):
                per_day[i] += 1
    K = PolicyValue.Key
    keys = (K.COMMITTEE_MIN_FULL_MEMBERS, K.BRANCH_MIN_FULL_MEMBERS, K.BRANCH_SOFT_MAX_MEMBERS, K.GROUP_SPLIT_MIN_MEMBERS)
    thresholds = policy_values_on(keys, branches, days=days)
    same_thresholds = all(thresholds[(key, day)] == thresholds[(key, days[0])] for key in keys for day in days)
    facts, shared = {}, {}  # equal facts are one (immutable) object: a city has 60,000 (branch, day) pairs
    zeros = (0,) * (2 * len(days))
    for branch in branches:
        pk = branch.pk
        row = counts.get(pk, zeros)
        base = steady.get(pk, 0)
        per_day = changing.get(pk)
        limits = None
        previous = None
        for i, day in enumerate(days):
            if limits is None or not same_thresholds:
                limits = tuple(thresholds[(k, day)][pk] for k in keys)
            key = (row[2 * i], row[2 * i + 1], base + (per_day[i] if per_day else 0), *limits)
            if key != previous:  # most branches change little from one day to the next
                found = shared.get(key)
                if found is None:
                    found = shared[key] = _facts(*key)
                previous = key
            facts[(pk, day)] = found
    return facts


def _facts(total: int, full: int, group_count: int, committee: int, minimum: int, soft_max: int,
           split: int) -> BranchFacts:
    return BranchFacts(
        member_count=total,
        full_member_count=full,
        probationary_count=total - full,
        group_count=group_count,
        committee_min_full_members=committee,
        needs_committee=full >= committee,
        below_minimum=full < minimum,
        over_soft_max=total > soft_max,
        should_split_groups=group_count == 0 and total >= split,
    )


def branch_facts_for(branches: list[Organization], *, at: date) -> dict[int, BranchFacts]:
    """Facts for many branches as they stood on `at`, with a constant number of queries."""
    return {pk: fact for (pk, _day), fact in branch_facts_on(branches, days=[at]).items()}


def branch_facts(branch: Organization, *, at: date) -> BranchFacts:
    return branch_facts_for([branch], at=at)[branch.pk]
