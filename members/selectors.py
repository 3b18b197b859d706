"""Read-side queries for members: what a user may see, and who belonged where when."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q, QuerySet

from branches.models import Organization, PartyGroup, PolicyValue
from branches.permissions import Perm, has_perm, org_filter
from branches.policy import policy_values
from members.models import Member, Membership


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


def branch_facts_for(branches: list[Organization], *, at: date) -> dict[int, BranchFacts]:
    """Facts for many branches with a constant number of queries."""
    active = Q(members__status=Member.Status.NORMAL)
    counts = {
        row["pk"]: row
        for row in Organization.objects.filter(pk__in=[b.pk for b in branches]).annotate(
            total=Count("members", filter=active),
            full=Count("members", filter=active & Q(members__category=Member.Category.FULL)),
        ).values("pk", "total", "full")
    }
    groups = dict(
        PartyGroup.objects.filter(branch__in=[b.pk for b in branches]).values("branch").annotate(n=Count("id"))
        .values_list("branch", "n")
    )
    K = PolicyValue.Key
    thresholds = {key: policy_values(key, branches, at=at) for key in
                  (K.COMMITTEE_MIN_FULL_MEMBERS, K.BRANCH_MIN_FULL_MEMBERS, K.BRANCH_SOFT_MAX_MEMBERS,
                   K.GROUP_SPLIT_MIN_MEMBERS)}
    facts = {}
    for branch in branches:
        row = counts.get(branch.pk, {"total": 0, "full": 0})
        group_count = groups.get(branch.pk, 0)
        facts[branch.pk] = BranchFacts(
            member_count=row["total"],
            full_member_count=row["full"],
            probationary_count=row["total"] - row["full"],
            group_count=group_count,
            committee_min_full_members=thresholds[K.COMMITTEE_MIN_FULL_MEMBERS][branch.pk],
            needs_committee=row["full"] >= thresholds[K.COMMITTEE_MIN_FULL_MEMBERS][branch.pk],
            below_minimum=row["full"] < thresholds[K.BRANCH_MIN_FULL_MEMBERS][branch.pk],
            over_soft_max=row["total"] > thresholds[K.BRANCH_SOFT_MAX_MEMBERS][branch.pk],
            should_split_groups=group_count == 0 and row["total"] >= thresholds[K.GROUP_SPLIT_MIN_MEMBERS][branch.pk],
        )
    return facts


def branch_facts(branch: Organization, *, at: date) -> BranchFacts:
    return branch_facts_for([branch], at=at)[branch.pk]
