"""Read-side queries for members: what a user may see, and who belonged where when."""

from datetime import date

from django.db.models import Q, QuerySet

from branches.models import Organization
from branches.permissions import Perm, has_perm, org_filter
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
