"""The compliance rollup: its figures are the engine's, and refreshing branch by branch after each change
gives exactly the rows a rebuild from scratch gives."""

from datetime import date, timedelta

import pytest
import time_machine

from branches import services as branch_services
from meetings import rollup, services
from meetings.compliance import State, compliance_for_branch
from meetings.models import Attendance, ComplianceRollup, ComplianceSummary, Exemption, Kind
from members import services as member_services
from tests.factories import make_member, make_org
from tests.meetings.conftest import local

pytestmark = pytest.mark.django_db

NOW = local(2026, 5, 20, 10, 0)


def snapshot():
    rows = sorted(ComplianceRollup.objects.values_list(
        "branch_id", "year", "rule_id", "kind", "party_group_id", "period_start", "period_end", "required", "held",
        "state", "explanation"))
    summaries = sorted(ComplianceSummary.objects.values_list(
        "org_id", "year", "as_of_min", "as_of_max", "final", "branches", "compliant_branches", "members", "present",
        "leave", "absent", "periods", "met", "met_late", "late", "overdue", "rate", "worst", "kinds", "months"))
    return rows, summaries


@pytest.fixture
def city(tree, record, admin_user):
    """Branches with members, meetings (some missed months), a 党小组 and a branch exemption."""
    a, a2, b = tree["a"], tree["a2"], tree["b"]
    people = {org.code: [make_member(org, name=f"{org.code}党员{i}") for i in range(3)] for org in (a, a2, b)}
    for month in (1, 2, 4):  # A misses March's 主题党日
        record(a, [Kind.THEME_DAY, Kind.BRANCH_ASSEMBLY], local(2026, month, 8, 9))
    record(a, [Kind.PARTY_LECTURE], local(2026, 2, 20, 9),
           attendance={people["A"][0].pk: services.Mark(Attendance.Status.ABSENT)})
    for month in (1, 2, 3, 4):
        record(b, [Kind.THEME_DAY], local(2026, month, 12, 9),
               attendance={people["B"][1].pk: services.Mark(Attendance.Status.LEAVE, "出差")})
    record(a2, [Kind.THEME_DAY], local(2026, 1, 15, 9), now=local(2026, 3, 1, 9))  # 补记
    services.request_exemption(actor=None, branch=b, reason=Exemption.Reason.OTHER, detail="整顿",
                               starts_on=date(2026, 2, 1), ends_on=date(2026, 2, 28))
    exemption = Exemption.objects.get(branch=b, member__isnull=True)
    services.decide_exemption(actor=admin_user, exemption=exemption, approve=True, now=local(2026, 1, 31))
    return people


def test_a_branchs_figures_are_the_engines_states_counted(tree, city):
    branch = tree["a"]
    states = compliance_for_branch(branch, year=2026, now=NOW)
    fig = rollup.evaluate_branches([branch], year=2026, now=NOW)[branch.pk].figures
    ended = [s for s in states if s.period.end <= NOW.date() and s.state not in (State.EXEMPT, State.NOT_APPLICABLE)]
    assert fig.periods == len(ended)
    assert fig.met == sum(s.state in (State.MET, State.MET_LATE) for s in ended)
    assert fig.overdue == sum(s.state == State.OVERDUE for s in states) > 0  # March's 主题党日
    assert fig.compliant_branches == 0 and fig.branches == 1
    assert fig.members == 3
    assert (fig.present, fig.leave, fig.absent) == (3 * 3 + 2, 0, 1)  # 3 主题党日 + a 党课 with one absent
    assert fig.months[3][State.OVERDUE] == [1, sum(s.state == State.OVERDUE and s.period.last_day.month == 3
                                                   for s in states)]
    assert fig.worst == State.OVERDUE


def test_rebuild_writes_every_branch_and_the_sums_of_their_ancestors(tree, city):
    result = rollup.rebuild(now=NOW, years=[2026])
    assert result.branches == 3
    assert not ComplianceRollup.objects.filter(state__in=[State.NOT_APPLICABLE, State.MET]).exists()  # only counted
    assert ComplianceRollup.objects.filter(state=State.PENDING).exists()
    assert ComplianceRollup.objects.exclude(state__in=rollup.EXPLAINED).exclude(explanation="").count() == 0
    assert ComplianceRollup.objects.filter(state=State.OVERDUE).exclude(explanation="").exists()
    summary = {s.org_id: s for s in ComplianceSummary.objects.filter(year=2026)}
    city_row, d1 = summary[tree["city"].pk], summary[tree["d1"].pk]
    assert city_row.branches == 3 and d1.branches == 2 and summary[tree["g1"].pk].branches == 1
    for field in ("members", "present", "leave", "absent", "periods", "met", "overdue"):
        parts = [getattr(summary[tree[code].pk], field) for code in ("a", "a2", "b")]
        assert getattr(city_row, field) == sum(parts)
    assert summary[tree["b"].pk].months["2"] == {State.EXEMPT: [1, 2]}  # the exempt month owes nothing
    assert city_row.as_of_min == city_row.as_of_max == date(2026, 5, 20) and not city_row.final


def test_incremental_refreshes_give_the_rows_of_a_rebuild(tree, city, record, django_capture_on_commit_callbacks):
    with time_machine.travel(NOW, tick=False):
        rollup.rebuild(now=NOW, years=[2025, 2026])
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            record(tree["a"], [Kind.THEME_DAY], local(2026, 3, 28, 9), now=NOW)  # March made up late
            services.record_meeting(actor=None, branch=tree["a2"], kinds=[Kind.THEME_DAY, Kind.PARTY_LECTURE],
                                    held_at=local(2025, 12, 3, 9), topic="去年的补记", now=NOW)
            group = branch_services.create_party_group(actor=None, branch=tree["b"], name="第一党小组")
            member_services.transfer_member(actor=None, member=city["A"][1], to_branch=tree["b"], on=date(2026, 5, 1),
                                            party_group=group)
            make_member(tree["a2"], name="新党员", joined_on=date(2026, 5, 10), category="probationary")
            branch_services.update_organization(actor=None, org=tree["a"], parent=tree["g1"])  # moved under G1
        assert len(callbacks) == 6
        incremental = snapshot()
        rollup.rebuild(now=NOW, years=[2025, 2026])
        assert snapshot() == incremental


def test_a_logged_meeting_reaches_the_summaries_when_it_commits(tree, city, record, django_capture_on_commit_callbacks):
    with time_machine.travel(NOW, tick=False):
        rollup.rebuild(now=NOW, years=[2026])
        before = ComplianceSummary.objects.get(org=tree["city"], year=2026)
        with django_capture_on_commit_callbacks(execute=True):
            record(tree["a"], [Kind.THEME_DAY], local(2026, 3, 30, 9), now=NOW)
        after = ComplianceSummary.objects.get(org=tree["city"], year=2026)
    assert after.met == before.met + 1 and after.overdue == before.overdue - 1  # made up…
    assert after.met_late == before.met_late + 1  # …after its grace: 补记完成, counted apart
    row = ComplianceRollup.objects.get(branch=tree["a"], year=2026, kind=Kind.THEME_DAY, period_start=date(2026, 3, 1))
    assert row.state == "met_late" and "其后补记完成" in row.explanation


def _counted(fig):
    return (fig.compliant_branches, fig.members, fig.present, fig.leave, fig.absent, fig.kinds, fig.months)


def test_figures_hold_until_their_next_deadline_and_for_ever_once_the_year_is_settled(tree, city):
    fig = rollup.evaluate_branches([tree["a"]], year=2026, now=NOW)[tree["a"].pk].figures
    # May's monthly periods warn 7 days before they end: the first deadline after 20 May
    assert fig.changes_at == local(2026, 5, 25)
    assert fig.holds_at(date(2026, 5, 20)) and fig.holds_at(date(2026, 5, 24)) and not fig.holds_at(date(2026, 5, 25))
    assert not fig.holds_at(date(2026, 5, 19))  # a record entered on the 20th did not exist on the 19th
    last_year = rollup.evaluate_branches([tree["a"]], year=2025, now=NOW)[tree["a"].pk].figures
    assert last_year.final and last_year.holds_at(date(2026, 12, 31)) and not last_year.holds_at(date(2026, 5, 19))
    assert last_year.changes_at is None
    january = rollup.evaluate_branches([tree["a"]], year=2025, now=local(2026, 1, 10, 12))[tree["a"].pk].figures
    assert not january.final  # December 2025 is still in its 补记 window
    assert january.changes_at == local(2026, 1, 11)  # …which closes at the end of 10 January


@pytest.mark.parametrize("now", [NOW, local(2026, 3, 31, 23, 59), local(2026, 7, 3, 8), local(2026, 12, 20, 12)])
def test_nothing_changes_with_time_before_changes_at_and_something_does_at_it(tree, city, now):
    branch = tree["a"]
    fig = rollup.evaluate_branches([branch], year=2026, now=now)[branch.pk].figures
    just_before = fig.changes_at - timedelta(microseconds=1)
    later = rollup.evaluate_branches([branch], year=2026, now=just_before)[branch.pk].figures
    at_deadline = rollup.evaluate_branches([branch], year=2026, now=fig.changes_at)[branch.pk].figures
    assert _counted(later) == _counted(fig)
    assert _counted(at_deadline) != _counted(fig) or at_deadline.members != fig.members
    stored = rollup.rollup_rows(branch.pk, 2026, rollup.evaluate_branches([branch], year=2026, now=now)[branch.pk].states)
    assert stored == rollup.rollup_rows(branch.pk, 2026, compliance_for_branch(branch, year=2026, now=just_before))


def test_a_membership_beginning_later_is_a_deadline(tree, city):
    make_member(tree["a"], name="下月转入", joined_on=date(2026, 5, 22))
    fig = rollup.evaluate_branches([tree["a"]], year=2026, now=NOW)[tree["a"].pk].figures
    assert fig.changes_at == local(2026, 5, 22)
    assert rollup.evaluate_branches([tree["a"]], year=2026, now=local(2026, 5, 22))[tree["a"].pk].figures.members == \
        fig.members + 1


def test_a_failed_refresh_is_queued_for_a_worker(tree, monkeypatch):
    from meetings import receivers

    queued = []
    monkeypatch.setattr(receivers, "refresh_branches", lambda ids, now: 1 / 0)
    monkeypatch.setattr(receivers.refresh_rollup, "delay", queued.append)
    receivers.on_branch_records_changed(None, branch_ids=frozenset({tree["a"].pk}))
    assert queued == [[tree["a"].pk]]


def test_an_empty_organization_has_no_summary(tree):
    make_org("G9", kind="general_branch", parent=tree["d2"])
    rollup.rebuild(now=NOW, years=[2026])
    assert not ComplianceSummary.objects.filter(org__code="G9").exists()


def test_a_meeting_refreshes_only_the_year_it_was_held_in(tree, city, record, django_capture_on_commit_callbacks):
    from datetime import timedelta

    with time_machine.travel(NOW, tick=False):
        rollup.rebuild(now=NOW, years=[2025, 2026])
    later = NOW + timedelta(hours=1)
    with time_machine.travel(later, tick=False), django_capture_on_commit_callbacks(execute=True):
        record(tree["a"], [Kind.THEME_DAY], local(2026, 3, 28, 9), now=later)
    refreshed = dict(ComplianceSummary.objects.filter(org=tree["a"]).values_list("year", "refreshed_at"))
    assert refreshed == {2025: NOW, 2026: later}
