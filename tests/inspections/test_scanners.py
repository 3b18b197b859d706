"""The scanners against the database, at exact time boundaries; idempotency and kills half way."""

from datetime import date

import pytest
from django.db import connection

from branches import services as branch_services
from branches.models import PolicyValue
from inspections import scanners, services
from inspections.models import Alert, FlagAction, Notification
from meetings import services as meeting_services
from meetings.compliance import State, compliance_for_branch
from meetings.models import Attendance, Exemption, Kind, LeaveRequest
from members.models import Member
from tests.factories import make_member
from tests.inspections.conftest import ABSENT, LEAVE
from tests.meetings.conftest import local

pytestmark = pytest.mark.django_db
K = Alert.Kind


def open_alerts(kind=None, **filters):
    qs = Alert.objects.filter(closed_at__isnull=True, **filters)
    return qs.filter(kind=kind) if kind else qs


def snapshot():
    return sorted(Alert.objects.values_list("org_id", "kind", "subject", "level", "member_id", "explanation",
                                            "closed_at"))


# --- the six-month clock ------------------------------------------------------------------------

@pytest.mark.parametrize(("at", "level"), [
    (local(2026, 3, 31, 23, 59, 59), None),  # March is still running: Jan, Feb counted
    (local(2026, 4, 1, 0, 0), "info"),  # March over: 3 months → talk
    (local(2026, 5, 1, 0, 0), "warning"),  # 4 months → escalated
    (local(2026, 6, 30, 23, 59, 59), "warning"),  # 5 months
    (local(2026, 7, 1, 0, 0), "serious"),  # 6 months → 需支部大会研究
])
def test_six_month_clock_levels_at_month_boundaries(monthly, absentee, at, level):
    monthly(range(1, 8))
    scanners.scan_member_clock(now=at)
    alerts = list(open_alerts(K.MEMBER_ABSENT, member=absentee))
    assert [a.level for a in alerts] == ([level] if level else [])
    if level == "serious":
        assert "需支部大会研究" in alerts[0].explanation and alerts[0].months == 6
        assert "2026年1月" in alerts[0].explanation


def test_members_who_attend_get_no_alert(monthly, absentee, secretary_a):
    monthly(range(1, 8))
    scanners.scan_member_clock(now=local(2026, 7, 2))
    assert list(open_alerts(K.MEMBER_ABSENT).values_list("member__name", flat=True)) == ["缺席者"]


def test_a_late_record_with_attendance_closes_the_alert(monthly, absentee, record, tree):
    monthly(range(1, 6))
    scanners.scan_member_clock(now=local(2026, 6, 1))
    assert open_alerts(K.MEMBER_ABSENT).get().level == "warning"
    # 补记: a May 25 meeting he attended, recorded in June
    record(tree["a"], [Kind.BRANCH_ASSEMBLY], local(2026, 5, 25, 9), now=local(2026, 6, 3))
    result = scanners.scan_member_clock(now=local(2026, 6, 4))
    assert result.closed == 1 and not open_alerts(K.MEMBER_ABSENT).exists()
    closed = Alert.objects.get(member=absentee)
    assert closed.closed_at == local(2026, 6, 4) and closed.close_reason


def test_approved_leave_breaks_the_run(monthly, absentee):
    monthly(range(1, 3))
    monthly([3], mark=LEAVE)
    monthly(range(4, 7))
    scanners.scan_member_clock(now=local(2026, 7, 1))
    assert open_alerts(K.MEMBER_ABSENT).get().months == 3  # April–June


def test_an_approved_exemption_ends_the_run_like_leave(monthly, absentee, tree):
    monthly(range(1, 7))
    ex = meeting_services.request_exemption(actor=None, branch=tree["a"], member=absentee, reason="sick",
                                            starts_on=date(2026, 3, 1), ends_on=date(2026, 4, 30))
    scanners.scan_member_clock(now=local(2026, 7, 1))
    assert open_alerts(K.MEMBER_ABSENT).get().months == 6  # a request not yet approved excuses nothing
    ex.status = Exemption.Status.APPROVED
    ex.save()
    scanners.scan_member_clock(now=local(2026, 7, 1, 1))
    assert not open_alerts(K.MEMBER_ABSENT).exists()  # May, June: 2 months, below the remind threshold


@pytest.mark.parametrize(("at", "months", "level"), [
    (local(2026, 8, 31, 23, 59, 59), None, None),  # June, July after the exemption: 2
    (local(2026, 9, 1), 3, "info"),  # June–August: 3 (not 3 + 2 exempt + 3 = "8")
])
def test_an_exemption_between_two_absent_runs_restarts_the_count(monthly, absentee, tree, at, months, level):
    monthly([1, 2, 3, 6, 7, 8])
    Exemption.objects.create(branch=tree["a"], member=absentee, reason="sick", starts_on=date(2026, 4, 1),
                             ends_on=date(2026, 5, 31), status=Exemption.Status.APPROVED)
    scanners.scan_member_clock(now=at)
    assert [(a.months, a.level) for a in open_alerts(K.MEMBER_ABSENT)] == ([(months, level)] if level else [])


@pytest.mark.parametrize(("at", "level"), [
    (local(2026, 6, 30, 23, 59, 59), "warning"),  # January–May: 5 calendar months
    (local(2026, 7, 1), "serious"),  # January–June: 6, though the branch met only in Jan, Mar, May
])
def test_a_branch_meeting_every_other_month_counts_calendar_months(monthly, absentee, at, level):
    monthly([12], mark=None, year=2025)  # he last took part in December
    monthly([1, 3, 5, 7])
    scanners.scan_member_clock(now=at)
    alert = open_alerts(K.MEMBER_ABSENT).get()
    assert alert.level == level and alert.period_start == date(2026, 1, 1)
    assert "自然月" in alert.explanation and "2026年3月" in alert.explanation


def test_no_flag_when_the_branch_held_nothing_he_was_expected_at(monthly, absentee):
    monthly([12], mark=None, year=2025)
    scanners.scan_member_clock(now=local(2026, 8, 1))  # seven months without any meeting: the branch's failure
    assert not open_alerts(K.MEMBER_ABSENT).exists()


def test_one_excused_meeting_does_not_excuse_a_month_with_an_unexcused_miss(monthly, absentee, record, tree):
    monthly([12], mark=None, year=2025)
    monthly(range(1, 7))
    # March also had a 党课 he was excused from (请假 with a 事由); the 主题党日 he missed without reason
    record(tree["a"], [Kind.PARTY_LECTURE], local(2026, 3, 20, 9), attendance={absentee.pk: LEAVE})
    scanners.scan_member_clock(now=local(2026, 7, 1))
    assert open_alerts(K.MEMBER_ABSENT).get().months == 6


def test_a_month_whose_every_miss_was_excused_ends_the_run(monthly, absentee):
    monthly([12], mark=None, year=2025)
    monthly([1, 2, 4, 5, 6])
    monthly([3], mark=LEAVE)
    scanners.scan_member_clock(now=local(2026, 7, 1))
    assert open_alerts(K.MEMBER_ABSENT).get().months == 3  # April–June


def test_an_approved_leave_request_excuses_a_row_marked_absent(monthly, absentee, record, tree):
    monthly([12], mark=None, year=2025)
    monthly([1, 2, 4, 5, 6])
    march = record(tree["a"], [Kind.THEME_DAY], local(2026, 3, 10, 9), attendance={absentee.pk: ABSENT})
    LeaveRequest.objects.create(member=absentee, meeting=march, reason="住院", status=LeaveRequest.Status.APPROVED)
    scanners.scan_member_clock(now=local(2026, 7, 1))
    assert open_alerts(K.MEMBER_ABSENT).get().months == 3  # March excused: April–June


def test_leave_without_a_reason_excuses_nothing(monthly, absentee):
    monthly([12], mark=None, year=2025)
    monthly([1, 2, 4, 5, 6])
    monthly([3], mark=meeting_services.Mark(status=Attendance.Status.LEAVE, reason=""))
    scanners.scan_member_clock(now=local(2026, 7, 1))
    assert open_alerts(K.MEMBER_ABSENT).get().months == 6


def test_thresholds_come_from_policy_values_per_organization(monthly, absentee, tree):
    monthly(range(1, 4))
    PolicyValue.objects.create(key=PolicyValue.Key.ABSENCE_REMIND_MONTHS, org=tree["d1"], value=2,
                               effective_from=date(2020, 1, 1), article="区委规定")
    scanners.scan_member_clock(now=local(2026, 3, 1))
    assert open_alerts(K.MEMBER_ABSENT).get().level == "info"


def test_justification_closes_the_flag_and_restarts_the_clock(monthly, absentee, secretary_a):
    monthly(range(1, 11))
    scanners.scan_member_clock(now=local(2026, 7, 1))
    alert = open_alerts(K.MEMBER_ABSENT).get()
    services.record_flag_action(actor=secretary_a, alert=alert, kind=FlagAction.Kind.TALK, happened_on=date(2026, 7, 2),
                                notes="电话联系，称长期在外地照顾病人", by_whom="李书记", now=local(2026, 7, 2))
    services.record_flag_action(actor=secretary_a, alert=alert, kind=FlagAction.Kind.JUSTIFIED,
                                happened_on=date(2026, 7, 3), notes="照顾重病家属，经核实属实", now=local(2026, 7, 3))
    assert Alert.objects.get(pk=alert.pk).closed_at == local(2026, 7, 3)
    scanners.scan_member_clock(now=local(2026, 7, 4))
    assert not open_alerts(K.MEMBER_ABSENT).exists()  # the months up to July are excused
    scanners.scan_member_clock(now=local(2026, 10, 1))  # the month of the justification is excused too
    assert not open_alerts(K.MEMBER_ABSENT).exists()
    scanners.scan_member_clock(now=local(2026, 11, 1))  # August, September, October absent again
    again = open_alerts(K.MEMBER_ABSENT).get()
    assert again.pk != alert.pk and again.months == 3
    assert Member.objects.get(pk=absentee.pk).status == Member.Status.NORMAL  # never changed automatically


def test_only_absence_alerts_take_workflow_steps(tree, secretary_a):
    alert = Alert.objects.create(kind=K.TERM_EXPIRING, org=tree["a"], level="info", subject="term:x", explanation="x",
                                 opened_at=local(2026, 1, 1))
    with pytest.raises(Exception, match="只能"):
        services.record_flag_action(actor=secretary_a, alert=alert, kind="talk", happened_on=date(2026, 1, 1),
                                    notes="x", now=local(2026, 1, 2))


def test_six_month_scan_runs_a_constant_number_of_queries(monthly, absentee, tree, django_assert_max_num_queries):
    monthly(range(1, 8))
    for i in range(5):
        make_member(tree["b"], name=f"乙{i}")
    with django_assert_max_num_queries(14):
        scanners.scan_member_clock(now=local(2026, 7, 1))


# --- the local 主题党日 rule --------------------------------------------------------------------

def _enable_theme_day_rule(tree):
    PolicyValue.objects.create(key=PolicyValue.Key.THEME_DAY_RULE_ENABLED, org=tree["d1"], value=1,
                               effective_from=date(2020, 1, 1), article="区委规定")


def test_theme_day_rule_is_off_by_default_and_opt_in_per_organization(monthly, absentee, tree):
    monthly([1, 3, 5])
    monthly([2, 4], mark=None)
    monthly([6, 8, 9])
    monthly([7], mark=None)
    assert scanners.scan_theme_day_rule(now=local(2026, 10, 1)).open == 0
    _enable_theme_day_rule(tree)
    scanners.scan_theme_day_rule(now=local(2026, 10, 1))
    alert = open_alerts(K.MEMBER_ABSENT, subject=f"theme_day:{absentee.pk}").get()
    assert "累计6个月" in alert.explanation and alert.months == 6


@pytest.mark.parametrize(("at", "opens"), [
    (local(2026, 2, 28, 23, 59, 59), False),  # February still running: December, January = 2
    (local(2026, 3, 1), True),  # December–February: 3 consecutive across the new year
])
def test_theme_day_rule_catches_a_december_to_february_run(monthly, absentee, tree, at, opens):
    _enable_theme_day_rule(tree)
    monthly(range(3, 12), mark=None, year=2025)
    monthly([12], year=2025)
    monthly([1, 2])
    scanners.scan_theme_day_rule(now=at)
    alerts = list(open_alerts(K.MEMBER_ABSENT, subject=f"theme_day:{absentee.pk}"))
    assert len(alerts) == opens
    if opens:
        assert "2025年12月、2026年1月、2026年2月" in alerts[0].explanation
        assert alerts[0].period_start == date(2025, 3, 1) and alerts[0].period_end == date(2026, 2, 1)


def test_theme_day_rule_window_comes_from_policy_data(monthly, absentee, tree):
    _enable_theme_day_rule(tree)
    monthly([1, 2, 3, 4, 5, 6])  # six months absent, none since
    monthly(range(7, 13), mark=None)
    PolicyValue.objects.create(key=PolicyValue.Key.THEME_DAY_WINDOW_MONTHS, org=tree["d1"], value=6,
                               effective_from=date(2020, 1, 1), article="区委规定")
    assert scanners.scan_theme_day_rule(now=local(2027, 1, 1)).open == 0  # July–December: none missed
    PolicyValue.objects.filter(key=PolicyValue.Key.THEME_DAY_WINDOW_MONTHS, org=tree["d1"]).delete()
    assert scanners.scan_theme_day_rule(now=local(2027, 1, 1, 1)).open == 1  # the default 12 months see them


# --- meetings ---------------------------------------------------------------------------------

def test_meeting_states_map_to_alerts_at_the_boundaries(tree):
    a = tree["a"]
    scanners.scan_meetings(now=local(2026, 3, 15, 12))
    assert not open_alerts(org=a, period_start=date(2026, 3, 1)).exists()
    # 主题党日 of March: due soon in the warning window, late after the month, overdue after grace
    scanners.scan_meetings(now=local(2026, 3, 31, 23, 59, 59))
    due = open_alerts(K.MEETING_DUE_SOON, org=a, period_start=date(2026, 3, 1))
    assert due.exists() and all(x.level == "info" for x in due)
    scanners.scan_meetings(now=local(2026, 4, 1))
    assert not open_alerts(K.MEETING_DUE_SOON, org=a, period_start=date(2026, 3, 1)).exists()
    assert {x.level for x in open_alerts(K.MEETING_OVERDUE, org=a, period_start=date(2026, 3, 1))} == {"warning"}
    scanners.scan_meetings(now=local(2026, 4, 11))
    overdue = open_alerts(K.MEETING_OVERDUE, org=a, period_start=date(2026, 3, 1))
    assert {x.level for x in overdue} == {"serious"}
    assert all(x.explanation in {s.explanation for s in compliance_for_branch(a, year=2026, now=local(2026, 4, 11))}
               for x in overdue)


def test_a_late_record_closes_the_overdue_alert(tree, record):
    a = tree["a"]
    scanners.scan_meetings(now=local(2026, 4, 20))
    theme = [s for s in compliance_for_branch(a, year=2026, now=local(2026, 4, 20))
             if s.kind == Kind.THEME_DAY and s.period_start == date(2026, 3, 1)][0]
    subject = scanners.meeting_subject(theme.rule_id, None, date(2026, 3, 1))
    assert open_alerts(K.MEETING_OVERDUE, org=a, subject=subject).exists()
    record(a, [Kind.THEME_DAY], local(2026, 3, 20, 9), now=local(2026, 4, 21))  # 补记
    scanners.scan_meetings(now=local(2026, 4, 22))
    assert not open_alerts(K.MEETING_OVERDUE, org=a, subject=subject).exists()
    assert compliance_for_branch(a, year=2026, now=local(2026, 4, 22))  # sanity: engine still answers


def test_january_also_scans_last_years_open_periods_and_later_only_what_is_still_open(tree, record):
    a, b = tree["a"], tree["b"]
    scanners.scan_meetings(now=local(2026, 1, 5))
    dec = open_alerts(K.MEETING_OVERDUE, org=a, period_start=date(2025, 12, 1))
    assert dec.exists() and {x.level for x in dec} == {"warning"}  # still in the 补记 grace
    scanners.scan_meetings(now=local(2026, 1, 20))
    assert {x.level for x in open_alerts(K.MEETING_OVERDUE, org=a, period_start=date(2025, 12, 1))} == {"serious"}
    record(b, [Kind.THEME_DAY, Kind.BRANCH_ASSEMBLY], local(2025, 12, 10, 9), now=local(2026, 2, 3))  # 补记 in Feb
    scanners.scan_meetings(now=local(2026, 2, 4))
    theme_b = [s for s in compliance_for_branch(b, year=2025, now=local(2026, 2, 4))
               if s.kind == Kind.THEME_DAY and s.period_start == date(2025, 12, 1)][0]
    assert theme_b.state == State.MET_LATE  # made up after its grace: 补记完成, and the alert closes
    assert not open_alerts(K.MEETING_OVERDUE, org=b, subject=scanners.meeting_subject(
        theme_b.rule_id, None, date(2025, 12, 1))).exists()
    closed = Alert.objects.get(kind=K.MEETING_OVERDUE, org=b, closed_at__isnull=False,
                               subject=scanners.meeting_subject(theme_b.rule_id, None, date(2025, 12, 1)))
    assert closed.close_reason.startswith("补记完成：主题党日：2025年12月应开1次，已开1次")  # not "kept"
    assert open_alerts(K.MEETING_OVERDUE, org=a, period_start=date(2025, 12, 1)).exists()


def test_an_approved_branch_exemption_closes_meeting_alerts(tree):
    a = tree["a"]
    scanners.scan_meetings(now=local(2026, 4, 20))
    assert open_alerts(K.MEETING_OVERDUE, org=a, period_start=date(2026, 3, 1)).exists()
    Exemption.objects.create(branch=a, reason="other", detail="整建制外派", starts_on=date(2026, 1, 1),
                             ends_on=date(2026, 12, 31), status=Exemption.Status.APPROVED)
    scanners.scan_meetings(now=local(2026, 4, 21))
    assert not open_alerts(org=a, kind=K.MEETING_OVERDUE).exists()


# --- 换届 -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("today", "level"), [
    (date(2026, 3, 31), None), (date(2026, 4, 1), "info"), (date(2026, 7, 3), "warning"),
    (date(2026, 9, 30), "warning"), (date(2026, 10, 1), "serious")])
def test_term_expiring_from_six_months_before_the_end(tree, today, level):
    branch_services.update_organization(actor=None, org=tree["a"], term_start=date(2023, 10, 1),
                                        term_end=date(2026, 10, 1))
    scanners.scan_terms(now=local(today.year, today.month, today.day, 12))
    assert [a.level for a in open_alerts(K.TERM_EXPIRING, org=tree["a"])] == ([level] if level else [])


def test_a_new_term_closes_the_term_alert(tree):
    branch_services.update_organization(actor=None, org=tree["a"], term_start=date(2023, 10, 1), term_end=date(2026, 10, 1))
    scanners.scan_terms(now=local(2026, 9, 1))
    branch_services.update_organization(actor=None, org=tree["a"], term_start=date(2026, 9, 20), term_end=date(2029, 9, 20))
    result = scanners.scan_terms(now=local(2026, 9, 21))
    assert result.closed == 1 and not open_alerts(K.TERM_EXPIRING).exists()


# --- idempotency ------------------------------------------------------------------------------

def test_running_the_whole_scan_twice_gives_identical_alerts(monthly, absentee, secretary_a, viewer):
    monthly(range(1, 8))
    first = scanners.scan_compliance(now=local(2026, 7, 2))
    before, notices = snapshot(), secretary_a.notifications.count()
    second = scanners.scan_compliance(now=local(2026, 7, 2))
    assert snapshot() == before and secretary_a.notifications.count() == notices > 0
    assert sum(r.opened for r in first) > 0 and sum(r.opened + r.closed + r.updated for r in second) == 0
    assert second[-1].notified == 0


def test_a_scan_killed_half_way_converges_to_the_same_alerts(monthly, absentee, secretary_a, monkeypatch):
    monthly(range(1, 8))
    scanners.scan_compliance(now=local(2026, 7, 2))
    reference = snapshot()
    reference_notices = sorted(secretary_a.notifications.values_list("alerts__subject", "level"))
    Alert.objects.all().delete()
    Notification.objects.all().delete()

    calls = {"n": 0}
    real = scanners.sync_alerts.__wrapped__

    def killed_after_first_scan(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt("SIGTERM half way")
        return real(**kwargs)

    import django.db.transaction as tx
    monkeypatch.setattr(scanners, "sync_alerts", tx.atomic(killed_after_first_scan))
    with pytest.raises(KeyboardInterrupt):
        scanners.scan_compliance(now=local(2026, 7, 2))
    assert Alert.objects.exists() and not Alert.objects.filter(kind=K.MEMBER_ABSENT).exists()  # half done
    monkeypatch.undo()
    scanners.scan_compliance(now=local(2026, 7, 2))
    assert snapshot() == reference
    assert sorted(secretary_a.notifications.values_list("alerts__subject", "level")) == reference_notices


def test_the_partial_unique_constraint_refuses_a_second_open_alert(tree):
    from django.db import IntegrityError, transaction

    Alert.objects.create(kind=K.TERM_EXPIRING, org=tree["a"], level="info", subject="term:1", explanation="x",
                         opened_at=local(2026, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.create(kind=K.TERM_EXPIRING, org=tree["a"], level="info", subject="term:1", explanation="y",
                             opened_at=local(2026, 1, 2))
    Alert.objects.filter(subject="term:1").update(closed_at=local(2026, 1, 3))
    Alert.objects.create(kind=K.TERM_EXPIRING, org=tree["a"], level="info", subject="term:1", explanation="z",
                         opened_at=local(2026, 1, 4))  # reopening after a close is allowed
    assert connection.vendor in {"postgresql", "sqlite"}
