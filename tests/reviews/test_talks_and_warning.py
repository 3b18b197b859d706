"""谈心谈话 records and yearly coverage (an obligation the engine counts), and 警示教育 records counted
against the yearly rule (≥ 1, target 2)."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from meetings.compliance import State, compliance_for_branch
from meetings.models import CampaignCompletion, Kind, QuotaRule
from meetings.services import Mark
from reviews import services
from reviews.selectors import campaign_progress, talk_coverage, talk_coverage_for
from tests.factories import make_member
from tests.reviews.conftest import YEAR, local

pytestmark = pytest.mark.django_db
NOW = local(YEAR, 6, 1, 18)


def talks_state(branch, at):
    return next(s for s in compliance_for_branch(branch, year=YEAR, now=at) if s.kind == QuotaRule.HEART_TALKS)


def talk(actor, branch, talker, *others, day=date(YEAR, 5, 20)):
    return services.record_talks(actor=actor, branch=branch, talker=talker, held_on=day, now=NOW, place="党员活动室",
                                 entries=[services.TalkEntry(o, f"与{o.name}谈工作和思想", "多参加活动") for o in others])


def test_a_committee_member_logs_several_talks_at_once(tree, people, secretary_a):
    talks = talk(secretary_a, tree["a"], people["secretary"], people["wang"], people["zhao"], people["zhou"])
    assert [t.counterpart.name for t in talks] == ["王党员", "赵党员", "周预备"]
    assert all(t.place == "党员活动室" and t.recorded_by == secretary_a for t in talks)


def test_guards(tree, people, secretary_a, member_a, secretary_b):
    with pytest.raises(ValidationError, match="不能是谈话人本人"):
        talk(secretary_a, tree["a"], people["wang"], people["wang"])
    with pytest.raises(ValidationError, match="不能在将来"):
        talk(secretary_a, tree["a"], people["wang"], people["zhao"], day=date(YEAR, 6, 2))
    stranger = make_member(tree["b"], name="外支部党员")
    with pytest.raises(ValidationError, match="不是本支部党员"):
        talk(secretary_a, tree["a"], people["secretary"], stranger)
    with pytest.raises(PermissionDenied):
        talk(secretary_b, tree["a"], people["secretary"], people["wang"])
    with pytest.raises(PermissionDenied):  # a member records only his own talks
        talk(member_a, tree["a"], people["zhao"], people["qian"])
    assert talk(member_a, tree["a"], people["wang"], people["qian"])  # his own: fine


def test_coverage_pairs_and_members_and_the_engine_state(tree, people, secretary_a):
    branch = tree["a"]
    cov = talk_coverage(branch, year=YEAR, at=date(YEAR, 6, 1))
    assert [n for _i, n in cov.committee] == ["李书记", "陈组织"] and cov.missing_pairs == [("李书记", "陈组织")]
    assert len(cov.uncovered) == 5 and not cov.complete
    assert talks_state(branch, NOW).held == 0
    talk(secretary_a, branch, people["secretary"], people["organizer"], people["wang"], people["zhao"])
    talk(secretary_a, branch, people["organizer"], people["qian"], people["sun"])
    cov = talk_coverage(branch, year=YEAR, at=date(YEAR, 6, 1))
    assert cov.missing_pairs == [] and [n for _i, n in cov.uncovered] == ["周预备"]
    assert talks_state(branch, NOW).held == 0
    talk(secretary_a, branch, people["zhou"], people["secretary"])  # either side may be the talker
    cov = talk_coverage(branch, year=YEAR, at=date(YEAR, 6, 1))
    assert cov.complete and "已实现全覆盖" in cov.summary
    state = talks_state(branch, local(YEAR, 6, 2))
    assert (state.held, state.state) == (1, State.MET)
    completion = CampaignCompletion.objects.get(branch=branch, kind=QuotaRule.HEART_TALKS)
    assert completion.counts_on == date(YEAR, 5, 20)
    # A new member joins: the coverage is lost until someone talks with him.
    newcomer = make_member(branch, name="新党员", joined_on=date(2015, 1, 1))
    services.sync_talk_coverage(branches=[branch], year=YEAR, now=local(YEAR, 6, 3))
    assert talks_state(branch, local(YEAR, 6, 4)).held == 0
    talk(secretary_a, branch, people["secretary"], newcomer)
    assert talks_state(branch, local(YEAR, 6, 4)).held == 1


def test_deleting_a_talk_withdraws_the_coverage(tree, people, secretary_a):
    branch = tree["a"]
    talk(secretary_a, branch, people["secretary"], people["organizer"], people["wang"], people["zhao"], people["zhou"])
    last = talk(secretary_a, branch, people["organizer"], people["qian"], people["sun"])
    assert CampaignCompletion.objects.filter(branch=branch).exists()
    services.delete_talk(actor=secretary_a, talk=last[0], now=NOW)
    assert not CampaignCompletion.objects.filter(branch=branch).exists()


def test_talks_per_year_is_policy(tree, people, secretary_a):
    from branches.models import PolicyValue

    PolicyValue.objects.create(key=PolicyValue.Key.TALKS_PER_YEAR, org=tree["a"], value=2,
                               effective_from=date(2020, 1, 1), article="本支部：每年2次")
    talk(secretary_a, tree["a"], people["secretary"], people["organizer"])
    cov = talk_coverage(tree["a"], year=YEAR, at=date(YEAR, 6, 1))
    assert cov.required == 2 and cov.missing_pairs == [("李书记", "陈组织")]


def test_coverage_for_many_branches_in_constant_queries(tree, people, secretary_a, django_assert_max_num_queries):
    branches = [tree["a"], tree["a2"], tree["b"]]
    with django_assert_max_num_queries(3):  # the policy value, the rosters, the talks
        result = talk_coverage_for(branches, year=YEAR, at=date(YEAR, 6, 1))
    assert set(result) == {b.pk for b in branches}


def test_warning_education_is_a_meeting_counted_against_the_rule_with_its_target(tree, people, secretary_a):
    branch = tree["a"]
    education = services.record_warning_education(
        actor=secretary_a, branch=branch, held_at=local(YEAR, 4, 10, 14), topic="观看警示教育片《零容忍》", now=NOW,
        form="film", material="《零容忍》第三集", reflections="深受触动。", also_kinds=[Kind.THEME_DAY],
        attendance={people["sun"].pk: Mark("leave", "出差")}, place="会议室")
    assert set(education.meeting.kind_values) == {Kind.WARNING_EDUCATION, Kind.THEME_DAY}
    assert education.meeting.attendance.filter(status="leave").count() == 1
    state = next(s for s in compliance_for_branch(branch, year=YEAR, now=NOW) if s.kind == Kind.WARNING_EDUCATION)
    assert (state.held, state.required, state.rule.target, state.state) == (1, 1, 2, State.MET)
    assert "目标2次" in state.explanation
    with pytest.raises(ValidationError, match="请说明"):
        services.record_warning_education(actor=secretary_a, branch=branch, held_at=local(YEAR, 5, 10, 14), topic="x",
                                          now=NOW, form="other", material="案例")
    progress = campaign_progress([branch], year=YEAR, now=NOW)[branch.pk]
    assert progress.warning_educations == 1 and progress.life_meeting_label == "未开展"


def test_the_nightly_scan_resyncs_branches_whose_roster_moved(tree, people, secretary_a):
    from inspections import scanners
    from members.models import Member

    branch = tree["a"]
    talk(secretary_a, branch, people["secretary"], people["organizer"], people["wang"], people["zhao"], people["zhou"])
    talk(secretary_a, branch, people["organizer"], people["qian"], people["sun"])
    assert CampaignCompletion.objects.filter(branch=branch, kind=QuotaRule.HEART_TALKS).exists()
    Member.objects.update(updated_at=local(YEAR, 5, 1))  # the roster settled long ago
    make_member(branch, name="新党员", joined_on=date(2015, 1, 1))  # joins without any talk service noticing
    Member.objects.filter(name="新党员").update(updated_at=local(YEAR, 5, 1))
    assert scanners.scan_talk_coverage(now=NOW).updated == 0  # nothing moved in the last days: not re-read
    Member.objects.filter(name="新党员").update(updated_at=NOW)
    assert scanners.scan_talk_coverage(now=NOW).updated == 1  # moved today: coverage lost
    assert not CampaignCompletion.objects.filter(branch=branch, kind=QuotaRule.HEART_TALKS).exists()
