from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from branches import services as branch_services
from branches.models import Role
from core.models import AuditEntry
from meetings import services
from meetings.models import Attendance, LeaveRequest, LockedYear, Meeting
from meetings.services import Mark
from members import services as member_services
from tests.factories import UserFactory, make_member
from tests.meetings.conftest import local

pytestmark = pytest.mark.django_db

NOW = local(2026, 5, 20, 12)


def statuses(meeting):
    return dict(meeting.attendance.values_list("member__name", "status"))


def test_everyone_expected_is_present_by_default(tree, record):
    for name in ("甲", "乙", "丙"):
        make_member(tree["a"], name=name)
    make_member(tree["b"], name="外支部")
    meeting = record(tree["a"], ["theme_day"], local(2026, 5, 8, 9))
    assert statuses(meeting) == {"甲": "present", "乙": "present", "丙": "present"}


def test_exceptions_are_ticked_with_reasons(tree, record):
    a, b = make_member(tree["a"], name="甲"), make_member(tree["a"], name="乙")
    meeting = record(tree["a"], ["theme_day"], local(2026, 5, 8, 9),
                     attendance={b.pk: Mark("absent", "出差未请假"), a.pk: Mark("present", late=True)})
    rows = {r.member.name: r for r in meeting.attendance.select_related("member")}
    assert (rows["乙"].status, rows["乙"].reason) == ("absent", "出差未请假")
    assert rows["甲"].late


def test_category_and_vote_are_snapshotted(tree, record):
    make_member(tree["a"], name="预备", category="probationary", joined_on=date(2026, 1, 5))
    make_member(tree["a"], name="察看", probation_until=date(2026, 12, 31))
    make_member(tree["a"], name="正式")
    meeting = record(tree["a"], ["branch_assembly"], local(2026, 5, 8, 9))
    snap = {r.member.name: (r.category, r.has_vote) for r in meeting.attendance.select_related("member")}
    assert snap == {"预备": ("probationary", False), "察看": ("full", False), "正式": ("full", True)}


def test_group_meeting_expects_only_the_group(tree, record):
    group = branch_services.create_party_group(actor=None, branch=tree["a"], name="第一党小组")
    make_member(tree["a"], name="组员", party_group=group)
    make_member(tree["a"], name="非组员")
    meeting = record(tree["a"], ["group_meeting"], local(2026, 5, 8, 19), party_group=group)
    assert set(statuses(meeting)) == {"组员"}


def test_committee_meeting_expects_only_the_committee(tree, record):
    make_member(tree["a"], name="书记", party_post="secretary")
    make_member(tree["a"], name="组织委员", party_post="organization_member")
    make_member(tree["a"], name="普通党员")
    meeting = record(tree["a"], ["branch_committee"], local(2026, 5, 8, 19))
    assert set(statuses(meeting)) == {"书记", "组织委员"}


def test_transfer_mid_quarter_moves_the_member_between_rosters(tree, record):
    mover = make_member(tree["a"], name="调动者", joined_on=date(2015, 7, 1))
    make_member(tree["b"], name="乙支部党员")
    member_services.transfer_member(actor=None, member=mover, to_branch=tree["b"], on=date(2026, 5, 15))
    before = record(tree["a"], ["party_lecture"], local(2026, 5, 10, 9))
    after_a = record(tree["a"], ["theme_day"], local(2026, 5, 20, 9))
    after_b = record(tree["b"], ["theme_day"], local(2026, 5, 20, 9))
    assert "调动者" in statuses(before)
    assert "调动者" not in statuses(after_a)
    assert "调动者" in statuses(after_b)


def test_exempt_members_are_not_expected(tree, record, secretary_a):
    sick = make_member(tree["a"], name="病休")
    ex = services.request_exemption(actor=secretary_a, branch=tree["a"], member=sick, reason="sick",
                                    starts_on=date(2026, 5, 1), ends_on=date(2026, 6, 30), now=NOW)
    assert ex.status == "approved"  # registered by the branch, which decides a member's exemption itself
    assert "病休" not in statuses(record(tree["a"], ["theme_day"], local(2026, 5, 8, 9)))
    assert "病休" in statuses(record(tree["a"], ["theme_day"], local(2026, 7, 8, 9), now=local(2026, 7, 8, 12)))


@pytest.mark.parametrize(
    ("fields", "field", "fragment"),
    [
        ({"held_at": NOW + timedelta(hours=1)}, "held_at", "在将来"),
        ({"ended_at": local(2026, 5, 8, 8)}, "ended_at", "结束时间必须晚于开始时间"),
        ({"kinds": []}, "kinds", "至少选择一种"),
        ({"kinds": ["picnic"]}, "kinds", "未知的会议类型"),
        ({"kinds": ["group_meeting"]}, "party_group", "须选择党小组"),
    ],
)
def test_bad_meetings_are_refused_and_nothing_is_saved(tree, fields, field, fragment):
    data = {"branch": tree["a"], "kinds": ["theme_day"], "held_at": local(2026, 5, 8, 9), "topic": "学习", "now": NOW}
    data.update(fields)
    with pytest.raises(ValidationError) as exc:
        services.record_meeting(actor=None, **data)
    assert fragment in exc.value.message_dict[field][0]
    assert Meeting.objects.count() == 0 and Attendance.objects.count() == 0


def test_an_attendee_not_on_the_roster_is_refused(tree):
    make_member(tree["a"], name="甲")
    stranger = make_member(tree["b"], name="外人")
    with pytest.raises(ValidationError) as exc:
        services.record_meeting(actor=None, branch=tree["a"], kinds=["theme_day"], held_at=local(2026, 5, 8, 9),
                                topic="学习", now=NOW, attendance={stranger.pk: Mark("present")})
    message = exc.value.message_dict["attendance"][0]
    assert f"编号{stranger.pk}" in message and "外人" not in message  # another branch's member: no name (issue 11 §3)
    assert Meeting.objects.count() == 0


def test_host_from_another_branch_is_refused(tree):
    with pytest.raises(ValidationError, match="主持人须为本支部党员"):
        services.record_meeting(actor=None, branch=tree["a"], kinds=["theme_day"], held_at=local(2026, 5, 8, 9),
                                topic="学习", now=NOW, host=make_member(tree["b"]))


def test_a_locked_year_refuses_new_and_changed_records(tree, record, organizer):
    meeting = record(tree["a"], ["theme_day"], local(2025, 5, 8, 9))
    services.lock_year(actor=organizer, branch=tree["a"], year=2025, now=NOW)
    with pytest.raises(ValidationError, match="已由上级党组织锁定"):
        record(tree["a"], ["theme_day"], local(2025, 6, 8, 9), now=NOW)
    with pytest.raises(ValidationError, match="已由上级党组织锁定") as exc:
        services.record_meeting(actor=None, branch=tree["a"], kinds=["theme_day"], held_at=meeting.held_at,
                                topic="改过的主题", now=NOW, meeting=meeting)
    assert exc.value.code == "conflict"
    meeting.refresh_from_db()
    assert meeting.topic == "学习会" and Meeting.objects.count() == 1


def test_only_the_upper_level_locks_a_year(tree, secretary_a):
    with pytest.raises(PermissionDenied):
        services.lock_year(actor=secretary_a, branch=tree["a"], year=2025, now=NOW)
    assert not LockedYear.objects.exists()


def test_editing_keeps_recorded_at_and_is_audited(tree, record):
    meeting = record(tree["a"], ["theme_day"], local(2026, 5, 8, 9), now=local(2026, 5, 8, 18))
    services.record_meeting(actor=None, branch=tree["a"], kinds=["theme_day", "party_lecture"],
                            held_at=meeting.held_at, topic="新主题", now=NOW, meeting=meeting)
    meeting.refresh_from_db()
    assert meeting.recorded_at == local(2026, 5, 8, 18) and meeting.topic == "新主题"
    assert sorted(meeting.kind_values) == ["party_lecture", "theme_day"]
    assert AuditEntry.objects.filter(target_type="meetings.meeting", action="update").exists()


# --- leave ----------------------------------------------------------------------------------


@pytest.fixture
def planned(tree, member_a, secretary_a):
    return services.plan_meeting(actor=secretary_a, branch=tree["a"], kinds=["branch_assembly"],
                                 held_at=local(2026, 6, 5, 14), topic="六月党员大会", now=NOW)


def test_leave_flow_fills_attendance_as_leave(tree, planned, member_a, secretary_a):
    leave = services.request_leave(actor=member_a, member=member_a.member, meeting=planned, reason="出差", now=NOW)
    services.decide_leave(actor=secretary_a, leave=leave, approve=True, now=NOW)
    meeting = services.record_meeting(actor=secretary_a, branch=tree["a"], kinds=["branch_assembly"],
                                      held_at=planned.held_at, topic=planned.topic, now=local(2026, 6, 5, 18),
                                      meeting=planned)
    row = meeting.attendance.get(member=member_a.member)
    assert (row.status, row.reason) == ("leave", "出差")
    assert meeting.status == "held" and not meeting.late_entry


def test_leave_approved_after_recording_updates_attendance(tree, planned, member_a, secretary_a):
    leave = services.request_leave(actor=member_a, member=member_a.member, meeting=planned, reason="出差", now=NOW)
    meeting = services.record_meeting(actor=secretary_a, branch=tree["a"], kinds=["branch_assembly"],
                                      held_at=planned.held_at, topic=planned.topic, now=local(2026, 6, 5, 18),
                                      meeting=planned, attendance={member_a.member.pk: Mark("absent")})
    services.decide_leave(actor=secretary_a, leave=leave, approve=True, now=local(2026, 6, 6))
    assert meeting.attendance.get(member=member_a.member).status == "leave"


@pytest.mark.parametrize(
    ("when", "fragment"),
    [(local(2026, 6, 5, 14), "尚未召开的会议"), (local(2026, 6, 6), "尚未召开的会议")],
)
def test_leave_for_a_past_meeting_is_refused(planned, member_a, when, fragment):
    with pytest.raises(ValidationError, match=fragment):
        services.request_leave(actor=member_a, member=member_a.member, meeting=planned, reason="x", now=when)
    assert not LeaveRequest.objects.exists()


def test_leave_for_someone_else_is_refused(tree, planned, member_a, secretary_a):
    with pytest.raises(PermissionDenied):
        services.request_leave(actor=member_a, member=secretary_a.member, meeting=planned, reason="x", now=NOW)


def test_leave_for_another_branchs_meeting_is_refused(tree, secretary_b, planned):
    with pytest.raises(ValidationError, match="不在该会议的应到名单中"):
        services.request_leave(actor=secretary_b, member=secretary_b.member, meeting=planned, reason="x", now=NOW)


def test_leave_needs_a_reason_and_is_asked_once(planned, member_a):
    with pytest.raises(ValidationError, match="请填写请假事由"):
        services.request_leave(actor=member_a, member=member_a.member, meeting=planned, reason="  ", now=NOW)
    services.request_leave(actor=member_a, member=member_a.member, meeting=planned, reason="出差", now=NOW)
    with pytest.raises(ValidationError, match="已为该会议提交过"):
        services.request_leave(actor=member_a, member=member_a.member, meeting=planned, reason="出差", now=NOW)


def test_only_the_branch_decides_and_only_once(tree, planned, member_a, secretary_a, secretary_b, viewer):
    leave = services.request_leave(actor=member_a, member=member_a.member, meeting=planned, reason="出差", now=NOW)
    for outsider in (secretary_b, viewer, member_a):
        with pytest.raises(PermissionDenied):
            services.decide_leave(actor=outsider, leave=leave, approve=True, now=NOW)
    services.decide_leave(actor=secretary_a, leave=leave, approve=False, now=NOW, note="会议重要，请尽量参加")
    with pytest.raises(ValidationError, match="已处理") as exc:
        services.decide_leave(actor=secretary_a, leave=leave, approve=True, now=NOW)
    assert exc.value.code == "conflict"


def test_group_leader_decides_leave_for_his_group_meeting(tree, secretary_a):
    leader_user = UserFactory(username="leader")
    group = branch_services.create_party_group(actor=None, branch=tree["a"], name="第一党小组")
    leader = make_member(tree["a"], name="组长", party_group=group, user=leader_user)
    branch_services.update_party_group(actor=None, group=group, leader=leader)
    branch_services.assign_role(actor=None, user=leader_user, role=Role.GROUP_LEADER, org=tree["a"])
    member_user = UserFactory(username="groupie")
    make_member(tree["a"], name="组员", party_group=group, user=member_user)
    meeting = services.plan_meeting(actor=secretary_a, branch=tree["a"], kinds=["group_meeting"], party_group=group,
                                    held_at=local(2026, 6, 3, 19), topic="小组学习", now=NOW)
    leave = services.request_leave(actor=member_user, member=member_user.member, meeting=meeting, reason="加班", now=NOW)
    services.decide_leave(actor=leader_user, leave=leave, approve=True, now=NOW)
    assert LeaveRequest.objects.get(pk=leave.pk).status == "approved"
    assembly = services.plan_meeting(actor=secretary_a, branch=tree["a"], kinds=["branch_assembly"],
                                     held_at=local(2026, 6, 4, 19), topic="大会", now=NOW)
    other = services.request_leave(actor=member_user, member=member_user.member, meeting=assembly, reason="加班", now=NOW)
    with pytest.raises(PermissionDenied):
        services.decide_leave(actor=leader_user, leave=other, approve=True, now=NOW)


def test_member_exemption_is_decided_by_the_branch_and_branch_exemption_by_the_upper_level(tree, secretary_a, organizer):
    member = make_member(tree["a"])
    personal = services.request_exemption(actor=None, branch=tree["a"], member=member, reason="maternity",
                                          starts_on=date(2026, 5, 1), ends_on=date(2026, 12, 31))
    whole = services.request_exemption(actor=secretary_a, branch=tree["a"], reason="other", detail="改制",
                                       starts_on=date(2026, 5, 1), ends_on=date(2026, 5, 31))
    with pytest.raises(PermissionDenied):
        services.decide_exemption(actor=secretary_a, exemption=whole, approve=True, now=NOW)
    with pytest.raises(PermissionDenied):
        services.decide_exemption(actor=organizer, exemption=personal, approve=True, now=NOW)
    services.decide_exemption(actor=secretary_a, exemption=personal, approve=True, now=NOW)
    services.decide_exemption(actor=organizer, exemption=whole, approve=True, now=NOW)
    assert whole.status == "pending"  # a whole branch's exemption is never approved by the branch itself


def test_exemption_input_errors(tree, secretary_a):
    with pytest.raises(ValidationError) as exc:
        services.request_exemption(actor=secretary_a, branch=tree["a"], reason="other", starts_on=date(2026, 5, 2),
                                   ends_on=date(2026, 5, 1))
    assert set(exc.value.message_dict) == {"ends_on", "detail"}
