"""补记 at its exact boundaries (design.md, domain-rules "Clarifications"): timely if entered before the end
of the period it counts for under the rule that applies to the branch on its date, or within the grace
days after the meeting, whichever is later."""

from datetime import date, timedelta

import pytest

from branches import services as branch_services
from meetings.timeliness import entry_deadline, is_late_entry
from tests.factories import make_member
from tests.meetings.conftest import local

pytestmark = pytest.mark.django_db
SECOND = timedelta(seconds=1)


@pytest.fixture
def grouped(tree):
    """Branch A with two 党小组 since 2025: the quarterly 党员大会 rule applies, not the monthly one."""
    for name in ("第一党小组", "第二党小组"):
        branch_services.create_party_group(actor=None, branch=tree["a"], name=name, set_up_on=date(2025, 3, 1))
    return tree["a"]


def test_assembly_of_a_branch_with_groups_recorded_within_its_quarter_is_not_late(grouped, record):
    held = local(2026, 2, 10, 9)
    # the monthly rule (branches without 党小组) would have closed on 1 March; the quarterly one applies
    assert not record(grouped, ["branch_assembly"], held, now=local(2026, 3, 20, 9)).late_entry
    assert entry_deadline(branch=grouped, kinds=["branch_assembly"], held_at=held) == local(2026, 4, 1)
    assert not is_late_entry(branch=grouped, kinds=["branch_assembly"], held_at=held, recorded_at=local(2026, 4, 1) - SECOND)
    assert is_late_entry(branch=grouped, kinds=["branch_assembly"], held_at=held, recorded_at=local(2026, 4, 1))


def test_assembly_of_a_branch_without_groups_follows_the_monthly_rule(tree):
    held = local(2026, 2, 10, 9)
    assert entry_deadline(branch=tree["a"], kinds=["branch_assembly"], held_at=held) == local(2026, 3, 1)
    assert is_late_entry(branch=tree["a"], kinds=["branch_assembly"], held_at=held, recorded_at=local(2026, 3, 1))


def test_a_meeting_on_the_evening_of_the_30th_logged_next_morning_is_not_late(tree, record):
    held = local(2026, 9, 30, 19, 30)
    assert not record(tree["a"], ["theme_day"], held, now=local(2026, 10, 1, 8, 30)).late_entry
    # grace: 10 days after the meeting day, i.e. through 10 October
    assert entry_deadline(branch=tree["a"], kinds=["theme_day"], held_at=held) == local(2026, 10, 11)
    assert not is_late_entry(branch=tree["a"], kinds=["theme_day"], held_at=held, recorded_at=local(2026, 10, 11) - SECOND)


def test_a_record_logged_after_the_grace_is_late(tree, record):
    held = local(2026, 9, 30, 19, 30)
    assert record(tree["a"], ["theme_day"], held, now=local(2026, 10, 11, 0, 0)).late_entry


def test_a_multi_kind_meeting_is_late_only_if_late_for_every_applicable_period(tree):
    held, kinds = local(2026, 8, 31, 14), ["theme_day", "party_lecture"]
    # late for August's 主题党日 (its window closed 10 September), on time for the third quarter's 党课
    assert not is_late_entry(branch=tree["a"], kinds=kinds, held_at=held, recorded_at=local(2026, 9, 15))
    assert entry_deadline(branch=tree["a"], kinds=kinds, held_at=held) == local(2026, 10, 1)
    assert is_late_entry(branch=tree["a"], kinds=kinds, held_at=held, recorded_at=local(2026, 10, 1))


def test_a_multi_kind_meeting_in_a_branch_with_groups(grouped):
    held, kinds = local(2026, 1, 20, 14), ["theme_day", "branch_assembly"]
    # the assembly counts for the first quarter (the branch has 党小组), so a February entry is on time
    assert not is_late_entry(branch=grouped, kinds=kinds, held_at=held, recorded_at=local(2026, 2, 20))
    assert entry_deadline(branch=grouped, kinds=kinds, held_at=held) == local(2026, 4, 1)


def test_a_group_set_up_later_does_not_change_an_earlier_meeting(tree):
    branch_services.create_party_group(actor=None, branch=tree["a"], name="第一党小组", set_up_on=date(2026, 10, 1))
    # in February the branch had no 党小组: the monthly rule applied
    assert entry_deadline(branch=tree["a"], kinds=["branch_assembly"], held_at=local(2026, 2, 10, 9)) == local(2026, 3, 1)
    # in the fourth quarter it has: the quarterly rule
    assert entry_deadline(branch=tree["a"], kinds=["branch_assembly"], held_at=local(2026, 10, 10, 9)) == local(2027, 1, 1)


def test_a_committee_meeting_without_an_applicable_rule_gets_the_grace_after_the_meeting(tree):
    make_member(tree["a"], name="唯一的党员")
    held = local(2026, 5, 20, 9)
    assert entry_deadline(branch=tree["a"], kinds=["branch_committee"], held_at=held) == local(2026, 5, 31)
