"""Write-side services for members and their membership history (组织关系)."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from branches import services as branch_services
from branches.models import Organization, PartyGroup
from branches.permissions import Perm, has_perm
from core import audit
from core.bulk import bulk_insert
from core.dates import add_years
from core.signals import announce_branch_change
from members import idnumber
from members.models import IdNumberReveal, Member, Membership

MEMBER_FIELDS = ("name", "gender", "ethnicity", "birth_date", "education", "category", "joined_on", "confirmed_on",
                 "job", "mobile", "landline", "address", "status", "lost_contact", "lost_contact_since", "is_mobile",
                 "mobile_destination", "mobile_since", "party_post", "probation_until", "note", "user")


def _check_placement(branch: Organization, party_group: PartyGroup | None) -> None:
    if not branch.is_branch:
        raise ValidationError({"branch": f"“{branch.name}”不是党支部，党员只能编入党支部。"})
    if party_group is not None and party_group.branch_id != branch.pk:
        raise ValidationError({"party_group": f"党小组“{party_group.name}”不属于“{branch.name}”。"})


def _checked_id_number(raw: str, member: Member) -> str:
    try:
        return idnumber.validate(raw, birth_date=member.birth_date, gender=member.gender)
    except ValidationError as exc:
        raise ValidationError({"id_number": exc.messages}) from exc


def _apply_id_number(member: Member, raw: str, *, actor) -> None:
    number = _checked_id_number(raw, member)
    digest = idnumber.digest(number)
    clash = Member.objects.filter(id_number_digest=digest).exclude(pk=member.pk).select_related("branch").first()
    if clash is not None:
        # Name the holder only to someone who may see him: otherwise the answer would tell anyone who
        # may register a member the name and branch behind any ID number (issue 11, point 3).
        if actor is None or has_perm(actor, Perm.VIEW, clash.branch):
            raise ValidationError({"id_number": f"该公民身份号码已登记（{clash.name}，{clash.branch.name}）。"})
        raise ValidationError({"id_number": "该公民身份号码已登记在其他党组织。如为组织关系转入，"
                                            "请由原党支部或上级党组织办理组织关系转接。"})
    member.set_id_number(number)


def record_id_reveals(*, user, members, via: str, now=None) -> int:
    """Log that `user` was shown the full 公民身份号码 of `members` (the holder seeing his own is not logged)."""
    own = getattr(getattr(user, "member", None), "pk", None)
    at = now or timezone.now()
    name = user.get_username()
    rows = [IdNumberReveal(at=at, user_id=user.pk, username=name, member_id=m.pk, via=via) for m in members if m.pk != own]
    if rows:
        bulk_insert(IdNumberReveal, rows, batch_size=5000)
    return len(rows)


def member_rule_errors(member: Member) -> dict[str, str]:
    """The cross-field rules of a member, without touching the database (the roster import runs them per row)."""
    errors = {}
    if member.category == Member.Category.PROBATIONARY and member.confirmed_on:
        errors["confirmed_on"] = "预备党员不应填写转为正式党员日期。"
    if member.confirmed_on and member.confirmed_on <= member.joined_on:
        errors["confirmed_on"] = "转为正式党员日期必须晚于加入党组织日期。"
    if member.joined_on and member.birth_date and member.joined_on < add_years(member.birth_date, 18, leap_day_to="mar1") - timedelta(days=1):
        errors["joined_on"] = "加入党组织时应年满十八岁，请核对加入党组织日期和出生日期。"
    if member.lost_contact and not member.lost_contact_since:
        errors["lost_contact_since"] = "失联党员须填写失去联系日期。"
    return errors


def _validate(member: Member) -> None:
    errors = member_rule_errors(member)
    if errors:
        raise ValidationError(errors)
    member.full_clean(exclude=["id_number_cipher", "id_number_digest", "id_number_masked"])


@transaction.atomic
def create_member(*, actor, branch: Organization, id_number: str, party_group: PartyGroup | None = None,
                  branch_since: date | None = None, source: str = "web", **fields) -> Member:
    """Register a member in a branch; membership history starts at `branch_since` (default: joined_on)."""
    _check_placement(branch, party_group)
    member = Member(branch=branch, party_group=party_group, **{k: v for k, v in fields.items() if k in MEMBER_FIELDS})
    if not member.id_number_cipher:
        _apply_id_number(member, id_number, actor=actor)
    _validate(member)
    member.save()
    Membership.objects.create(member=member, branch=branch, party_group=party_group,
                              started_on=branch_since or member.joined_on, reason=Membership.Reason.JOINED)
    audit.record_create(actor=actor, instance=member, source=source)
    announce_branch_change([branch.pk])
    return member


_KEEP = object()  # "leave as it is" for arguments where None is a value (no 党小组)


@transaction.atomic
def update_member(*, actor, member: Member, id_number: str | None = None, branch: Organization | None = None,
                  party_group=_KEEP, branch_since: date | None = None, today: date | None = None,
                  source: str = "web", **fields) -> Member:
    """Update personal data; a new `branch` or `party_group` is a transfer (组织关系转接) dated
    `branch_since` (default: today), with the same rule as the transfer form and the import."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    before = audit.snapshot(member)
    for name, value in fields.items():
        if name in MEMBER_FIELDS:
            setattr(member, name, value)
    if id_number:
        _apply_id_number(member, id_number, actor=actor)
    else:  # birth date or gender may have changed: they must still agree with the stored number
        _checked_id_number(member.id_number, member)
    _validate(member)
    member.save()
    audit.record_update(actor=actor, instance=member, before=before, source=source)
    announce_branch_change([member.branch_id])  # status, category: the roster and the committee rule
    to_branch = branch or member.branch
    to_group = member.party_group if party_group is _KEEP else party_group
    if to_branch.pk != member.branch_id or (to_group.pk if to_group else None) != member.party_group_id:
        member = transfer_member(actor=actor, member=member, to_branch=to_branch, party_group=to_group,
                                 on=branch_since or today or timezone.localdate(), source=source)
    return member


@transaction.atomic
def transfer_member(*, actor, member: Member, to_branch: Organization, on: date,
                    party_group: PartyGroup | None = None, source: str = "web") -> Member:
    """组织关系转接 (or a change of 党小组 inside the branch): close the open membership, open a new one."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    _check_placement(to_branch, party_group)
    if member.branch_id == to_branch.pk and member.party_group_id == (party_group.pk if party_group else None):
        raise ValidationError({"branch": "党员已在该支部（党小组），无需转接。"})
    problem = move_memberships([Move(member, to_branch, party_group)], on=on).get(member.pk)
    if problem:
        raise ValidationError({"on": problem})
    before = audit.snapshot(member)
    member.branch, member.party_group = to_branch, party_group
    member.save(update_fields=["branch", "party_group", "updated_at"])
    audit.record_update(actor=actor, instance=member, before=before, source=source)
    announce_branch_change([before["branch"], to_branch.pk])
    return member


@dataclass(frozen=True)
class Move:
    member: Member  # as stored before the move
    branch: Organization
    party_group: PartyGroup | None = None


def move_memberships(moves: list[Move], *, on: date, reason: str | None = None) -> dict[int, str]:
    """Membership history (组织关系) follows a move dated `on`, for one member (the transfer form, the
    API) or thousands (the import), with one rule for all of them:

    - the open membership began before `on`: it ends on `on` and the new one begins then;
    - it began on `on` itself: it held for no day yet, so it is corrected in place (same-day correction);
    - it began after `on`: refused, a move cannot predate the membership it ends.

    Returns {member id: the reason it was refused}; nothing is written for a refused member.
    Set-based: three queries whatever the number of moves."""
    by_member = {move.member.pk: move for move in moves}
    open_rows = list(Membership.objects.filter(member_id__in=by_member, ended_on__isnull=True).select_for_update())
    refused, to_close, to_fix, to_open = {}, [], [], []
    for ms in open_rows:
        move = by_member[ms.member_id]
        if ms.started_on > on:
            refused[ms.member_id] = (f"转接日期（{on:%Y-%m-%d}）不能早于当前组织关系的起始日期"
                                     f"（{ms.started_on:%Y-%m-%d}）。")
        elif ms.started_on == on:
            ms.branch, ms.party_group = move.branch, move.party_group
            to_fix.append(ms)
        else:
            ms.ended_on = on
            to_close.append(ms)
    fixed = {ms.member_id for ms in to_fix}
    for move in moves:
        member_id = move.member.pk
        if member_id in refused or member_id in fixed:
            continue
        why = reason or (Membership.Reason.GROUP_CHANGE if move.member.branch_id == move.branch.pk
                         else Membership.Reason.TRANSFER)
        to_open.append(Membership(member=move.member, branch=move.branch, party_group=move.party_group,
                                  started_on=on, reason=why))
    Membership.objects.bulk_update(to_close, ["ended_on"], batch_size=1000)
    Membership.objects.bulk_update(to_fix, ["branch", "party_group"], batch_size=1000)
    Membership.objects.bulk_create(to_open, batch_size=1000)
    return refused


@transaction.atomic
def provision_account(*, actor, username: str, password: str, name: str = "", member: Member | None = None,
                      role: str | None = None, org: Organization | None = None, source: str = "web"):
    """An account, optionally linked to a member and given a role on an organization (`create_user`,
    the demo seed)."""
    if member is not None and member.user_id and member.user.username != username:
        raise ValidationError({"member": f"党员“{member.name}”已关联账号 {member.user.username}。"})
    user = branch_services.create_or_update_user(username=username, password=password,
                                                 name=name or (member.name if member else ""))
    if member is not None and member.user_id != user.pk:
        member.user = user
        member.save(update_fields=["user", "updated_at"])
    if role:
        branch_services.assign_role(actor=actor, user=user, role=role, org=org, source=source)
    return user
