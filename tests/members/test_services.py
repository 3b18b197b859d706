from datetime import date

import pytest
from django.core.exceptions import ValidationError

from core.models import AuditEntry
from members import services
from members.models import Member, Membership
from members.selectors import roster_at
from tests.factories import make_member, valid_id_number


def test_a_new_member_opens_membership_history(tree):
    member = make_member(tree["a"], joined_on=date(2015, 7, 1))
    row = member.memberships.get()
    assert (row.branch, row.started_on, row.ended_on) == (tree["a"], date(2015, 7, 1), None)


def test_id_number_is_encrypted_masked_and_readable(tree):
    number = valid_id_number()
    member = make_member(tree["a"], id_number=number)
    member.refresh_from_db()
    assert member.id_number == number
    assert number not in member.id_number_cipher
    assert member.id_number_masked == "*" * 14 + number[-4:]


def test_invalid_id_number_saves_nothing(tree):
    with pytest.raises(ValidationError) as exc:
        make_member(tree["a"], id_number="110105194912310021")
    assert "校验位" in exc.value.message_dict["id_number"][0] if hasattr(exc.value, "error_dict") else exc.value.messages[0]
    assert Member.objects.count() == 0 and Membership.objects.count() == 0


def test_duplicate_id_number_names_the_existing_member(tree):
    number = valid_id_number()
    make_member(tree["a"], name="张三", id_number=number)
    with pytest.raises(ValidationError) as exc:
        make_member(tree["b"], name="张三丰", id_number=number)
    assert "已登记（张三，兴隆社区党支部）" in exc.value.message_dict["id_number"][0]


def test_birth_date_inconsistent_with_id_number(tree):
    number = valid_id_number(birth_date=date(1985, 6, 15))
    with pytest.raises(ValidationError, match="不一致"):
        make_member(tree["a"], id_number=number, birth_date=date(1985, 6, 16))


def test_dates_in_the_wrong_order(tree):
    with pytest.raises(ValidationError) as exc:
        make_member(tree["a"], joined_on=date(2010, 7, 1), confirmed_on=date(2010, 1, 1))
    assert "晚于加入党组织日期" in exc.value.message_dict["confirmed_on"][0]


def test_members_belong_to_branches_only(tree):
    with pytest.raises(ValidationError, match="不是党支部"):
        make_member(tree["d1"])


def test_transfer_keeps_history_and_past_rosters(tree):
    member = make_member(tree["a"], joined_on=date(2015, 7, 1))
    services.transfer_member(actor=None, member=member, to_branch=tree["b"], on=date(2026, 8, 15))
    member.refresh_from_db()
    assert member.branch == tree["b"]
    history = list(member.memberships.order_by("started_on").values_list("branch__code", "started_on", "ended_on"))
    assert history == [("A", date(2015, 7, 1), date(2026, 8, 15)), ("B", date(2026, 8, 15), None)]
    assert member in roster_at(tree["a"], date(2026, 8, 14))
    assert member not in roster_at(tree["a"], date(2026, 8, 15))
    assert member in roster_at(tree["b"], date(2026, 8, 15))


def test_transfer_before_the_current_membership_started_is_refused(tree):
    member = make_member(tree["a"], joined_on=date(2015, 7, 1))
    with pytest.raises(ValidationError, match="不能早于当前组织关系的起始日期"):
        services.transfer_member(actor=None, member=member, to_branch=tree["b"], on=date(2015, 6, 30))
    assert member.memberships.count() == 1


def test_transfer_on_the_day_the_membership_began_corrects_it_in_place(tree):
    """One rule for the transfer form, the API and the import (members.services.move_memberships)."""
    member = make_member(tree["a"], joined_on=date(2015, 7, 1))
    services.transfer_member(actor=None, member=member, to_branch=tree["b"], on=date(2015, 7, 1))
    history = list(member.memberships.values_list("branch__code", "started_on", "ended_on"))
    assert history == [("B", date(2015, 7, 1), None)]


def test_changing_party_group_inside_the_branch_is_a_group_change(tree):
    from branches.services import create_party_group

    group = create_party_group(actor=None, branch=tree["a"], name="第一党小组")
    member = make_member(tree["a"], joined_on=date(2015, 7, 1))
    services.transfer_member(actor=None, member=member, to_branch=tree["a"], party_group=group, on=date(2026, 3, 1))
    assert member.memberships.order_by("started_on").last().reason == Membership.Reason.GROUP_CHANGE


def test_update_is_audited_without_the_id_number(tree):
    member = make_member(tree["a"], name="张三")
    new_number = valid_id_number()
    services.update_member(actor=None, member=member, name="张叁", id_number=new_number)
    entry = AuditEntry.objects.filter(target_type="members.member", action="update").get()
    assert entry.changes["name"] == ["张三", "张叁"]
    assert "id_number_digest" in entry.changes
    assert new_number not in str(entry.changes) and "id_number_cipher" not in entry.changes
