from datetime import date

import pytest

from branches.models import PolicyValue
from branches.permissions import Perm, has_perm, orgs_where
from branches.policy import MissingPolicy, policy_value
from branches.selectors import visible_orgs
from members.selectors import branch_facts, branch_facts_for
from tests.factories import make_member

AT = date(2026, 6, 1)


def codes(qs):
    return set(qs.values_list("code", flat=True))


def test_each_persona_sees_its_own_scope(tree, secretary_a, member_a, secretary_b, viewer, admin_user):
    assert codes(visible_orgs(secretary_a)) == {"A"}
    assert codes(visible_orgs(member_a)) == {"A"}  # a member may open his own branch's page
    assert codes(visible_orgs(secretary_b)) == {"B"}
    assert codes(visible_orgs(viewer)) == {"D1", "G1", "A", "A2"}
    assert codes(visible_orgs(admin_user)) == {"CITY", "D1", "D2", "G1", "A", "A2", "B"}


def test_viewing_is_not_managing(tree, secretary_a, viewer, organizer):
    assert has_perm(secretary_a, Perm.MANAGE_MEMBERS, tree["a"])
    assert not has_perm(secretary_a, Perm.MANAGE_MEMBERS, tree["b"])
    assert not has_perm(viewer, Perm.RECORD, tree["a"])
    assert has_perm(organizer, Perm.INSPECT, tree["a2"])
    assert not has_perm(organizer, Perm.INSPECT, tree["b"])
    assert codes(orgs_where(viewer, Perm.MANAGE_ORGS)) == set()


def test_roles_are_loaded_once_per_user_object(tree, viewer, django_assert_num_queries):
    has_perm(viewer, Perm.VIEW, tree["a"])
    with django_assert_num_queries(0):
        for org in tree.values():
            has_perm(viewer, Perm.VIEW, org)


def _members(branch, full, probationary=0):
    for i in range(full):
        make_member(branch, name=f"正式{i}")
    for i in range(probationary):
        make_member(branch, name=f"预备{i}", category="probationary", joined_on=date(2026, 1, 10))


def test_committee_needs_seven_full_members_probationary_do_not_count(tree):
    _members(tree["a"], full=6, probationary=3)
    facts = branch_facts(tree["a"], at=AT)
    assert (facts.member_count, facts.full_member_count, facts.probationary_count) == (9, 6, 3)
    assert not facts.needs_committee
    make_member(tree["a"], name="第七位")
    assert branch_facts(tree["a"], at=AT).needs_committee


def test_fewer_than_three_full_members_and_the_soft_cap(tree):
    _members(tree["a"], full=2)
    assert branch_facts(tree["a"], at=AT).below_minimum
    PolicyValue.objects.create(key="branch_soft_max_members", org=tree["d1"], value=1, effective_from=date(2026, 1, 1),
                               article="测试")
    assert branch_facts(tree["a"], at=AT).over_soft_max
    assert not branch_facts(tree["b"], at=AT).over_soft_max


def test_nearest_override_wins_and_dates_version_it(tree):
    key = "committee_min_full_members"
    PolicyValue.objects.create(key=key, org=tree["city"], value=9, effective_from=date(2026, 1, 1), article="市")
    PolicyValue.objects.create(key=key, org=tree["d1"], value=8, effective_from=date(2026, 3, 1), article="区")
    assert policy_value(key, tree["a"], at=date(2025, 12, 31)) == 7
    assert policy_value(key, tree["a"], at=date(2026, 2, 1)) == 9
    assert policy_value(key, tree["a"], at=date(2026, 3, 1)) == 8
    assert policy_value(key, tree["b"], at=date(2026, 3, 1)) == 9


def test_missing_default_is_an_explicit_error(tree):
    PolicyValue.objects.filter(key="committee_min_full_members").delete()
    with pytest.raises(MissingPolicy):
        policy_value("committee_min_full_members", tree["a"], at=AT)


def test_facts_for_many_branches_use_a_constant_number_of_queries(tree, django_assert_max_num_queries):
    _members(tree["a"], full=3)
    _members(tree["b"], full=8)
    branches = [tree["a"], tree["a2"], tree["b"]]
    with django_assert_max_num_queries(6):
        facts = branch_facts_for(branches, at=AT)
    assert facts[tree["b"].pk].needs_committee and not facts[tree["a"].pk].needs_committee
