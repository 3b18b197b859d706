"""The compliance engine at exact boundaries: one second before a period ends, at the end, at the end of grace."""

from datetime import date, timedelta

import pytest

from branches import services as branch_services
from branches.models import Organization
from meetings.compliance import (
    State,
    compliance_for_branch,
    compliance_for_branches,
    current_obligations,
    evaluate,
)
from meetings.models import Exemption, QuotaRule
from meetings.periods import period_starting
from tests.factories import make_member, make_org
from tests.meetings.conftest import local

pytestmark = pytest.mark.django_db


def rule(kind, condition="always", **extra):
    return QuotaRule.objects.get(kind=kind, condition=condition, org=None, **extra)


def states(branch, *, at, kind=None, year=None):
    result = compliance_for_branch(branch, year=year or at.year, now=at)
    return [s for s in result if kind is None or s.kind == kind]


def one(branch, *, at, kind, month=None, quarter=None, year=None, group=None):
    for s in states(branch, at=at, kind=kind, year=year):
        if month and (s.period.kind != "month" or s.period.start != date(year or at.year, month, 1)):
            continue
        if quarter and (s.period.kind != "quarter" or s.period.start != date(year or at.year, (quarter - 1) * 3 + 1, 1)):
            continue
        if group is not None and s.party_group_id != group.pk:
            continue
        return s
    raise AssertionError(f"no state for {kind}")


# --- the pure function -----------------------------------------------------------------------

Q3 = period_starting("quarter", 2026, 7)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (local(2026, 7, 1, 0, 0), State.PENDING),
        (local(2026, 9, 15, 23, 59, 59), State.PENDING),  # warning window (15 days) not reached
        (local(2026, 9, 16, 0, 0), State.DUE_SOON),
        (local(2026, 9, 30, 23, 59, 59), State.DUE_SOON),  # one second before the quarter ends
        (local(2026, 10, 1, 0, 0), State.LATE),  # at the end: grace begins
        (local(2026, 10, 10, 23, 59, 59), State.LATE),  # last second of the 10-day grace
        (local(2026, 10, 11, 0, 0), State.OVERDUE),  # grace over
    ],
)
def test_party_lecture_states_at_the_boundaries(now, expected):
    result = evaluate(rule=rule("party_lecture"), period=Q3, held=0, now=now)
    assert result.state == expected


def test_explanations_say_why():
    lecture = rule("party_lecture")
    late = evaluate(rule=lecture, period=Q3, held=0, now=local(2026, 10, 5))
    assert late.explanation == "党课：2026年第3季度应开1次，已开0次；季度已于9月30日结束，补记期至10月10日。"
    overdue = evaluate(rule=lecture, period=Q3, held=0, now=local(2026, 10, 11))
    assert "补记期已于10月10日截止，已逾期" in overdue.explanation
    soon = evaluate(rule=lecture, period=Q3, held=0, now=local(2026, 9, 28, 12))
    assert "还剩3天" in soon.explanation
    met = evaluate(rule=lecture, period=Q3, held=1, now=local(2026, 10, 11))
    assert met.state == State.MET and met.explanation.endswith("已完成。")


def test_warning_education_meets_the_minimum_but_names_the_target():
    year = period_starting("year", 2026, 1)
    result = evaluate(rule=rule("warning_education"), period=year, held=1, now=local(2026, 12, 1))
    assert result.state == State.MET and "目标2次" in result.explanation


@pytest.mark.parametrize(
    ("kind", "condition", "period_start", "end", "grace_end"),
    [
        ("branch_assembly", "no_groups", (2026, 3, 1), (2026, 4, 1), (2026, 4, 11)),
        ("branch_assembly", "has_groups", (2026, 1, 1), (2026, 4, 1), (2026, 4, 11)),
        ("branch_committee", "has_committee", (2026, 3, 1), (2026, 4, 1), (2026, 4, 11)),
        ("group_meeting", "per_group", (2026, 2, 1), (2026, 3, 1), (2026, 3, 11)),
        ("party_lecture", "always", (2026, 1, 1), (2026, 4, 1), (2026, 4, 11)),
        ("theme_day", "always", (2026, 12, 1), (2027, 1, 1), (2027, 1, 11)),
        ("life_meeting", "always", (2026, 1, 1), (2027, 1, 1), (2027, 1, 11)),
        ("member_review", "always", (2026, 1, 1), (2027, 1, 1), (2027, 1, 11)),
        ("warning_education", "always", (2026, 1, 1), (2027, 1, 1), (2027, 1, 11)),
        ("all_activities", "always", (2026, 1, 1), (2027, 1, 1), (2027, 1, 11)),
    ],
)
def test_every_kind_turns_late_at_period_end_and_overdue_after_grace(kind, condition, period_start, end, grace_end):
    the_rule = rule(kind, condition)
    period = period_starting(the_rule.period, *period_start[:2])
    second = timedelta(seconds=1)
    assert evaluate(rule=the_rule, period=period, held=0, now=local(*end) - second).state == State.DUE_SOON
    assert evaluate(rule=the_rule, period=period, held=0, now=local(*end)).state == State.LATE
    assert evaluate(rule=the_rule, period=period, held=0, now=local(*grace_end) - second).state == State.LATE
    assert evaluate(rule=the_rule, period=period, held=0, now=local(*grace_end)).state == State.OVERDUE
    assert evaluate(rule=the_rule, period=period, held=the_rule.minimum, now=local(*grace_end)).state == State.MET


# --- branches, conditions and counting ---------------------------------------------------------


def test_branch_without_groups_owes_a_monthly_assembly(tree, record):
    branch = tree["a"]
    record(branch, ["branch_assembly"], local(2026, 1, 20, 9))
    at = local(2026, 3, 15)
    assert one(branch, at=at, kind="branch_assembly", month=1).state == State.MET
    assert one(branch, at=at, kind="branch_assembly", month=2).state == State.OVERDUE
    quarterly = [s for s in states(branch, at=at, kind="branch_assembly") if s.period.kind == "quarter"]
    assert all(s.state == State.NOT_APPLICABLE for s in quarterly)


def test_branch_with_groups_owes_a_quarterly_assembly_and_monthly_group_meetings(tree, record):
    branch = tree["a"]
    first = branch_services.create_party_group(actor=None, branch=branch, name="第一党小组", set_up_on=date(2025, 3, 1))
    second = branch_services.create_party_group(actor=None, branch=branch, name="第二党小组", set_up_on=date(2025, 3, 1))
    record(branch, ["branch_assembly"], local(2026, 2, 10, 9))
    record(branch, ["group_meeting"], local(2026, 1, 8, 19), party_group=first)
    at = local(2026, 2, 20)
    assert one(branch, at=at, kind="branch_assembly", quarter=1).state == State.MET
    assert one(branch, at=at, kind="group_meeting", month=1, group=first).state == State.MET
    assert one(branch, at=at, kind="group_meeting", month=1, group=second).state == State.OVERDUE
    assert "第二党小组" in one(branch, at=at, kind="group_meeting", month=1, group=second).explanation


def test_committee_meetings_only_for_branches_with_seven_full_members(tree, record):
    branch = tree["a"]
    for i in range(6):
        make_member(branch, name=f"党员{i}")
    at = local(2026, 3, 20)
    na = one(branch, at=at, kind="branch_committee", month=2)
    assert na.state == State.NOT_APPLICABLE and "不足7人" in na.explanation
    make_member(branch, name="第七位")
    assert one(branch, at=at, kind="branch_committee", month=2).state == State.OVERDUE


def test_one_meeting_counts_for_all_its_kinds(tree, record):
    branch = tree["a"]
    record(branch, ["theme_day", "branch_assembly", "party_lecture"], local(2026, 4, 3, 14))
    at = local(2026, 4, 20)
    assert one(branch, at=at, kind="theme_day", month=4).state == State.MET
    assert one(branch, at=at, kind="branch_assembly", month=4).state == State.MET
    assert one(branch, at=at, kind="party_lecture", quarter=2).state == State.MET
    total = one(branch, at=at, kind="all_activities")
    assert total.held == 1  # one activity, whatever its kinds


def test_a_meeting_counts_in_the_period_it_was_held_even_when_recorded_late(tree, record):
    branch = tree["a"]
    meeting = record(branch, ["party_lecture"], local(2026, 9, 25, 9), now=local(2026, 10, 8))
    assert meeting.late_entry
    assert one(branch, at=local(2026, 10, 9), kind="party_lecture", quarter=3).state == State.MET
    # as it stood on 5 October the record did not exist yet
    assert one(branch, at=local(2026, 10, 5), kind="party_lecture", quarter=3).state == State.LATE


def test_a_record_entered_after_grace_is_still_accepted_and_marked(tree, record):
    meeting = record(tree["a"], ["party_lecture"], local(2026, 3, 25, 9), now=local(2026, 11, 1))
    assert meeting.late_entry
    made_up = one(tree["a"], at=local(2026, 11, 2), kind="party_lecture", quarter=1)
    assert made_up.state == State.MET_LATE and made_up.state_label == "补记完成"


def test_a_timely_record_is_not_marked_late(tree, record):
    assert not record(tree["a"], ["party_lecture"], local(2026, 9, 25, 9), now=local(2026, 9, 30, 23)).late_entry
    # a theme day recorded the next morning, in the next month, is within the grace days after the meeting
    assert not record(tree["a"], ["theme_day"], local(2026, 8, 31, 9), now=local(2026, 9, 1, 8)).late_entry


def test_the_month_is_the_local_month(tree, record):
    # 00:30 on 1 April in Shanghai is still 31 March in UTC: it counts for April
    record(tree["a"], ["theme_day"], local(2026, 4, 1, 0, 30))
    at = local(2026, 4, 12)
    assert one(tree["a"], at=at, kind="theme_day", month=4).state == State.MET
    assert one(tree["a"], at=at, kind="theme_day", month=3).state == State.OVERDUE


def test_a_whole_branch_exemption_covers_the_periods_inside_it(tree, admin_user):
    from meetings import services

    ex = services.request_exemption(actor=admin_user, branch=tree["a"], reason="other", detail="整体搬迁",
                                    starts_on=date(2026, 7, 1), ends_on=date(2026, 8, 31))
    services.decide_exemption(actor=admin_user, exemption=ex, approve=True, now=local(2026, 6, 30))
    at = local(2026, 12, 1)
    assert one(tree["a"], at=at, kind="theme_day", month=7).state == State.EXEMPT
    assert one(tree["a"], at=at, kind="theme_day", month=8).state == State.EXEMPT
    assert one(tree["a"], at=at, kind="theme_day", month=9).state == State.OVERDUE
    # the quarter is only partly covered: still owed
    assert one(tree["a"], at=at, kind="party_lecture", quarter=3).state == State.OVERDUE
    assert "暂不参加组织生活（其他" in one(tree["a"], at=at, kind="theme_day", month=7).explanation


def test_a_pending_exemption_changes_nothing(tree, admin_user):
    from meetings import services

    services.request_exemption(actor=admin_user, branch=tree["a"], reason="sick", starts_on=date(2026, 7, 1),
                               ends_on=date(2026, 7, 31))
    assert one(tree["a"], at=local(2026, 12, 1), kind="theme_day", month=7).state == State.OVERDUE
    assert Exemption.objects.count() == 1


def test_an_upper_level_override_wins_for_its_subtree_only(tree):
    QuotaRule.objects.create(kind="life_meeting", condition="always", period="half_year", minimum=1, warning_days=15,
                             article="区委要求每半年召开组织生活会", org=tree["d1"], effective_from=date(2026, 1, 1))
    at = local(2026, 7, 15)
    a_states = states(tree["a"], at=at, kind="life_meeting")
    assert [s.period.kind for s in a_states] == ["half_year", "half_year"]
    assert a_states[0].state == State.OVERDUE and "区委要求" in a_states[0].article
    assert [s.period.kind for s in states(tree["b"], at=at, kind="life_meeting")] == ["year"]


def test_a_rule_change_does_not_rewrite_past_periods(tree):
    QuotaRule.objects.filter(kind="party_lecture", org=None).update(effective_to=date(2026, 7, 1))
    QuotaRule.objects.create(kind="party_lecture", condition="always", period="month", minimum=1, warning_days=7,
                             article="新规定", org=None, effective_from=date(2026, 7, 1))
    kinds = [s.period.kind for s in states(tree["a"], at=local(2026, 12, 1), kind="party_lecture")]
    assert kinds == ["quarter", "quarter"] + ["month"] * 6
    assert [s.period.kind for s in states(tree["a"], at=local(2025, 12, 1), kind="party_lecture")] == ["quarter"] * 4


def test_current_obligations_show_running_and_late_periods(tree, record):
    record(tree["a"], ["theme_day"], local(2026, 9, 3, 9))
    owed = current_obligations(tree["a"], now=local(2026, 10, 5))
    by_kind = {(s.kind, s.period.start) for s in owed}
    assert ("party_lecture", date(2026, 7, 1)) in by_kind  # Q3 still in grace
    assert ("theme_day", date(2026, 10, 1)) in by_kind  # this month
    assert ("theme_day", date(2026, 9, 1)) not in by_kind  # met and ended
    assert all(s.state != State.NOT_APPLICABLE for s in owed)


def test_set_based_evaluation_uses_a_constant_number_of_queries(tree, record, django_assert_max_num_queries):
    for code in ("A", "A2", "B"):
        branch = Organization.objects.get(code=code)
        record(branch, ["theme_day"], local(2026, 5, 5, 9))
    branches = list(Organization.objects.filter(kind="branch"))
    with django_assert_max_num_queries(12) as ctx:
        result = compliance_for_branches(branches, year=2026, now=local(2026, 6, 1))
    small = len(ctx.captured_queries)
    for i in range(6):
        extra = make_org(f"X{i}", parent=tree["d2"])
        record(extra, ["theme_day"], local(2026, 5, 6, 9))
    branches = list(Organization.objects.filter(kind="branch"))
    with django_assert_max_num_queries(small):
        result = compliance_for_branches(branches, year=2026, now=local(2026, 6, 1))
    assert len(result) == 9


# --- dated facts: each period judged by the facts of its first day ------------------------------


def test_a_branch_that_gains_groups_in_october_is_judged_without_them_before(tree, record):
    from branches.models import PartyGroup

    branch = tree["a"]
    group = branch_services.create_party_group(actor=None, branch=branch, name="第一党小组", set_up_on=date(2026, 10, 1))
    at = local(2027, 1, 20)
    january = [s for s in states(branch, at=at, kind="branch_assembly", year=2026) if s.period.start == date(2026, 1, 1)]
    assert {s.period.kind: s.state for s in january} == {"month": State.OVERDUE, "quarter": State.NOT_APPLICABLE}
    assert "未划分党小组" in january[0].explanation and "按该期首日即1月1日" in january[0].explanation
    november = [s for s in states(branch, at=at, kind="branch_assembly", year=2026) if s.period.start.month >= 10]
    assert {(s.period.kind, s.period.start.month): s.state for s in november}[("month", 11)] == State.NOT_APPLICABLE
    assert {(s.period.kind, s.period.start.month): s.state for s in november}[("quarter", 10)] == State.OVERDUE
    group_months = [s.period.start.month for s in states(branch, at=at, kind="group_meeting", year=2026)]
    assert group_months == [10, 11, 12]  # the group owes nothing for the months before it existed
    assert one(branch, at=at, kind="group_meeting", month=11, year=2026, group=group).state == State.OVERDUE
    # dissolved at the end of November: December is judged without it again
    PartyGroup.objects.filter(pk=group.pk).update(dissolved_on=date(2026, 12, 1))
    assert one(branch, at=at, kind="branch_assembly", month=12, year=2026).state == State.OVERDUE
    assert [s.period.start.month for s in states(branch, at=at, kind="group_meeting", year=2026)] == [10, 11]


def test_a_branch_that_reaches_seven_full_members_mid_year_owes_committee_meetings_from_then(tree):
    branch = tree["a"]
    for i in range(6):
        make_member(branch, name=f"党员{i}")
    # the seventh: a 预备党员 confirmed (转正) on 15 June
    make_member(branch, name="转正者", joined_on=date(2025, 6, 15), confirmed_on=date(2026, 6, 15))
    at = local(2026, 12, 20)
    june = one(branch, at=at, kind="branch_committee", month=6)
    assert june.state == State.NOT_APPLICABLE and "正式党员6人，不足7人" in june.explanation
    assert "按该期首日即6月1日" in june.explanation
    july = one(branch, at=at, kind="branch_committee", month=7)
    assert july.state == State.OVERDUE and "正式党员7人" in july.explanation


def test_a_member_who_joined_later_does_not_count_for_earlier_periods(tree):
    branch = tree["a"]
    for i in range(6):
        make_member(branch, name=f"党员{i}")
    make_member(branch, name="转入者", branch_since=date(2026, 9, 10))
    at = local(2026, 12, 20)
    assert one(branch, at=at, kind="branch_committee", month=9).state == State.NOT_APPLICABLE
    assert one(branch, at=at, kind="branch_committee", month=10).state == State.OVERDUE


def test_dated_facts_keep_the_query_count_constant(tree, record, django_assert_max_num_queries):
    def grow(prefix, n):
        for i in range(n):
            extra = make_org(f"{prefix}{i}", parent=tree["d2"])
            branch_services.create_party_group(actor=None, branch=extra, name="第一党小组", set_up_on=date(2026, 4, 1))
            for j in range(3):
                make_member(extra, name=f"{prefix}{i}党员{j}", branch_since=date(2026, 2, 1))
            record(extra, ["theme_day"], local(2026, 5, 6, 9), now=local(2026, 6, 20))  # made up late

    grow("S", 2)
    branches = list(Organization.objects.filter(kind="branch"))
    with django_assert_max_num_queries(12) as ctx:
        compliance_for_branches(branches, year=2026, now=local(2026, 7, 1))
    small = len(ctx.captured_queries)
    grow("L", 6)
    branches = list(Organization.objects.filter(kind="branch"))
    with django_assert_max_num_queries(small):
        result = compliance_for_branches(branches, year=2026, now=local(2026, 7, 1))
    late = [s for s in result[Organization.objects.get(code="L0").pk] if s.kind == "theme_day" and s.period.start.month == 5]
    assert late[0].state == State.MET_LATE


def test_a_period_made_up_late_is_met_late_at_the_exact_grace_boundary(tree, record):
    second = timedelta(seconds=1)
    record(tree["a"], ["theme_day"], local(2026, 3, 28, 9), now=local(2026, 4, 11) - second)  # last second of grace
    assert one(tree["a"], at=local(2026, 5, 1), kind="theme_day", month=3).state == State.MET
    record(tree["b"], ["theme_day"], local(2026, 3, 28, 9), now=local(2026, 4, 11))  # grace over
    made_up = one(tree["b"], at=local(2026, 5, 1), kind="theme_day", month=3)
    assert made_up.state == State.MET_LATE and made_up.on_time == 0
    assert "补记期至4月10日截止时仅录入0次，其后补记完成" in made_up.explanation
    # one timely record besides the late one: kept on time
    record(tree["b"], ["theme_day"], local(2026, 4, 2, 9))
    record(tree["b"], ["theme_day"], local(2026, 4, 3, 9), now=local(2026, 6, 1))
    assert one(tree["b"], at=local(2026, 6, 2), kind="theme_day", month=4).state == State.MET


def test_the_annual_total_is_met_late_when_made_up_after_its_grace(tree, record):
    for month in range(1, 12):
        record(tree["a"], ["theme_day"], local(2026, month, 5, 9))
    record(tree["a"], ["theme_day"], local(2026, 12, 5, 9), now=local(2027, 1, 11))
    total = one(tree["a"], at=local(2027, 2, 1), kind="all_activities", year=2026)
    assert total.held == 12 and total.state == State.MET_LATE


# --- the ≥ 12 a year total counts the kinds its rule lists ---------------------------------------


def test_twelve_committee_meetings_alone_do_not_make_the_annual_total(tree, record):
    branch = tree["a"]
    for i in range(7):
        make_member(branch, name=f"党员{i}")
    for month in range(1, 13):
        record(branch, ["branch_committee"], local(2026, month, 3, 9))
    total = one(branch, at=local(2027, 2, 1), kind="all_activities", year=2026)
    assert total.held == 0 and total.state == State.OVERDUE
    assert "支委会不计入" in total.article


def test_the_total_counts_a_meeting_once_if_any_of_its_kinds_is_counted(tree, record):
    branch = tree["a"]
    for month in range(1, 12):
        record(branch, ["theme_day", "party_lecture"], local(2026, month, 3, 9))
    record(branch, ["branch_committee"], local(2026, 12, 3, 9))
    assert one(branch, at=local(2027, 2, 1), kind="all_activities", year=2026).held == 11
    record(branch, ["branch_committee", "branch_assembly"], local(2026, 12, 10, 9))
    total = one(branch, at=local(2027, 2, 1), kind="all_activities", year=2026)
    assert total.held == 12 and total.state == State.MET


def test_counted_kinds_are_policy_data(tree, record):
    from django.core.exceptions import ValidationError

    total_rule = rule("all_activities")
    assert "branch_committee" not in total_rule.counted_kinds and "group_meeting" in total_rule.counted_kinds
    QuotaRule.objects.create(kind="all_activities", condition="always", period="year", minimum=1, warning_days=30,
                             article="区委：支委会也计入", org=tree["d1"], effective_from=date(2026, 1, 1),
                             counted_kinds=["branch_committee"])
    record(tree["a"], ["branch_committee"], local(2026, 3, 3, 9))
    assert one(tree["a"], at=local(2026, 4, 1), kind="all_activities").held == 1
    bad = QuotaRule(kind="theme_day", period="month", minimum=1, article="x", effective_from=date(2026, 1, 1),
                    counted_kinds=["nonsense"])
    with pytest.raises(ValidationError) as exc:
        bad.full_clean()
    assert "未知的会议类型" in str(exc.value)
