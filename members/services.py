"""Write-side services for members and their membership history (组织关系)."""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction

from branches.models import Organization, PartyGroup
from members import idnumber
from members.models import Member, Membership
from orglife import audit

MEMBER_FIELDS = ("name", "gender", "ethnicity", "birth_date", "education", "category", "joined_on", "confirmed_on",
                 "job", "mobile", "landline", "address", "status", "lost_contact", "lost_contact_since", "is_mobile",
                 "mobile_destination", "party_post", "probation_until", "note", "user")


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


def _apply_id_number(member: Member, raw: str) -> None:
    number = _checked_id_number(raw, member)
    digest = idnumber.digest(number)
    clash = Member.objects.filter(id_number_digest=digest).exclude(pk=member.pk).first()
    if clash is not None:
        raise ValidationError({"id_number": f"该公民身份号码已登记（{clash.name}，{clash.branch.name}）。"})
    member.set_id_number(number)


def _eighteenth_birthday(born: date) -> date:
    try:
        return born.replace(year=born.year + 18)
    except ValueError:  # born on 29 February: the birthday falls on 1 March in a common year
        return date(born.year + 18, 3, 1)


def member_rule_errors(member: Member) -> dict[str, str]:
    """The cross-field rules of a member, without touching the database (the roster import runs them per row)."""
    errors = {}
    if member.category == Member.Category.PROBATIONARY and member.confirmed_on:
        errors["confirmed_on"] = "预备党员不应填写转为正式党员日期。"
    if member.confirmed_on and member.confirmed_on <= member.joined_on:
        errors["confirmed_on"] = "转为正式党员日期必须晚于加入党组织日期。"
    if member.joined_on and member.birth_date and member.joined_on < _eighteenth_birthday(member.birth_date) - timedelta(days=1):
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
        _apply_id_number(member, id_number)
    _validate(member)
    member.save()
    Membership.objects.create(member=member, branch=branch, party_group=party_group,
                              started_on=branch_since or member.joined_on, reason=Membership.Reason.JOINED)
    audit.record_create(actor=actor, instance=member, source=source)
    return member


@transaction.atomic
def update_member(*, actor, member: Member, id_number: str | None = None, source: str = "web", **fields) -> Member:
    """Update personal data. Moving to another branch or 党小组 goes through transfer_member."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    before = audit.snapshot(member)
    for name, value in fields.items():
        if name in MEMBER_FIELDS:
            setattr(member, name, value)
    if id_number:
        _apply_id_number(member, id_number)
    else:  # birth date or gender may have changed: they must still agree with the stored number
        _checked_id_number(member.id_number, member)
    _validate(member)
    member.save()
    audit.record_update(actor=actor, instance=member, before=before, source=source)
    return member


@transaction.atomic
def transfer_member(*, actor, member: Member, to_branch: Organization, on: date,
                    party_group: PartyGroup | None = None, source: str = "web") -> Member:
    """组织关系转接 (or a change of 党小组 inside the branch): close the open membership, open a new one."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    _check_placement(to_branch, party_group)
    if member.branch_id == to_branch.pk and member.party_group_id == (party_group.pk if party_group else None):
        raise ValidationError({"branch": "党员已在该支部（党小组），无需转接。"})
    current = member.memberships.filter(ended_on__isnull=True).first()
    if current is not None:
        if on <= current.started_on:
            raise ValidationError({"on": f"转接日期必须晚于当前组织关系的起始日期（{current.started_on:%Y-%m-%d}）。"})
        current.ended_on = on
        current.save(update_fields=["ended_on"])
    reason = Membership.Reason.GROUP_CHANGE if member.branch_id == to_branch.pk else Membership.Reason.TRANSFER
    Membership.objects.create(member=member, branch=to_branch, party_group=party_group, started_on=on, reason=reason)
    before = audit.snapshot(member)
    member.branch, member.party_group = to_branch, party_group
    member.save(update_fields=["branch", "party_group", "updated_at"])
    audit.record_update(actor=actor, instance=member, before=before, source=source)
    return member
