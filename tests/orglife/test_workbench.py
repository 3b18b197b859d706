"""The 工作台: each role lands on what it must do now, in a constant number of queries."""

import re
from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from branches import services as branch_services
from core import audit
from inspections.models import Alert
from meetings import services
from meetings.models import Kind, LeaveRequest, QuotaRule
from meetings.selectors import expected_members, upcoming_meetings_for
from members.models import Member, RosterImport
from tests.factories import UserFactory, make_member

NOW = timezone.make_aware(datetime(2026, 5, 20, 10, 0))


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def _plan(branch, days, topic="主题党日", kinds=(Kind.THEME_DAY,), **fields):
    return services.plan_meeting(actor=None, branch=branch, kinds=list(kinds), held_at=NOW + timedelta(days=days),
                                 topic=topic, now=NOW, **fields)


def _member_user(branch, name, username):
    user = UserFactory(username=username)
    make_member(branch, name=name, user=user)
    return user


def _alert(org, kind=Alert.Kind.MEETING_OVERDUE, level=Alert.Level.SERIOUS, subject="s", member=None, text="党课逾期"):
    return Alert.objects.create(kind=kind, org=org, level=level, subject=subject, member=member, explanation=text,
                                opened_at=NOW)


def test_secretary_sees_what_the_branch_owes_overdue_first_with_prefilled_actions(client, tree, secretary_a):
    client.force_login(secretary_a)
    page = client.get("/").content.decode()
    assert "现在要做" in page and "兴隆社区党支部" in page
    owed = page[page.index("现在要做"):page.index("待审批请假", page.index("现在要做"))]
    # Q1 has passed with no 支部党员大会: overdue, shown before the running month's 主题党日
    assert owed.index("已逾期") < owed.index("进行中")
    assert "/orgs/A/meetings/new/?kind=branch_assembly&amp;held=2026-03-31" in owed and "去补记" in owed
    assert "/orgs/A/meetings/new/?kind=theme_day&amp;held=2026-05-20" in owed and "记录会议" in owed
    assert "今年完成" in page


def test_prefilled_link_opens_the_form_with_kind_day_and_group(client, tree, secretary_a):
    group = branch_services.create_party_group(actor=None, branch=tree["a"], name="第一党小组")
    client.force_login(secretary_a)
    page = client.get(f"/orgs/A/meetings/new/?kind=group_meeting&held=2026-03-31&group={group.pk}").content.decode()
    assert "checked" in re.search(r'<input[^>]*value="group_meeting"[^>]*>', page).group(0)
    assert "checked" not in re.search(r'<input[^>]*value="theme_day"[^>]*>', page).group(0)
    assert 'value="2026-03-31T09:00' in page  # a past day opens at 9:00, not at the hour it is now
    assert f'<option value="{group.pk}" selected>' in page
    # malformed values are ignored, the form still opens
    assert client.get("/orgs/A/meetings/new/?kind=x&held=2026-13-40&group=abc").status_code == 200


def test_secretary_approves_leave_in_place_and_returns_to_the_workbench(client, tree, secretary_a, member_a):
    meeting = _plan(tree["a"], 3)
    leave = services.request_leave(actor=member_a, member=member_a.member, meeting=meeting, reason="出差", now=NOW)
    client.force_login(secretary_a)
    page = client.get("/").content.decode()
    assert "王党员" in page and "出差" in page and f"/leave/{leave.pk}/decide/" in page
    response = client.post(f"/leave/{leave.pk}/decide/", {"decision": "approve", "back": "home"})
    assert response.status_code == 302 and response["Location"] == "/"
    leave.refresh_from_db()
    assert leave.status == LeaveRequest.Status.APPROVED
    assert "没有待审批的请假申请" in client.get("/").content.decode()


def test_secretary_sees_open_alerts_and_next_planned_meetings(client, tree, secretary_a):
    _alert(tree["a"], text="党课：2026年第1季度应开1次，已开0次")
    _plan(tree["a"], 5, topic="五月主题党日")
    client.force_login(secretary_a)
    page = client.get("/").content.decode()
    assert "党课：2026年第1季度应开1次" in page and "五月主题党日" in page


def test_member_workbench_shows_meetings_with_leave_status_and_six_month_state(client, tree, member_a):
    asked = _plan(tree["a"], 3, topic="学习党章")
    _plan(tree["a"], 6, topic="参观红色基地")
    services.request_leave(actor=member_a, member=member_a.member, meeting=asked, reason="出差", now=NOW)
    _alert(tree["a"], kind=Alert.Kind.MEMBER_ABSENT, level=Alert.Level.WARNING, subject="absence:x",
           member=member_a.member)
    Alert.objects.filter(member=member_a.member).update(months=4)
    client.force_login(member_a)
    page = client.get("/").content.decode()
    assert "学习党章" in page and "请假待审批" in page
    assert f"/meetings/{asked.pk + 1}/leave/" in page  # the other meeting: 请假 in one tap
    assert "今年出勤" in page and "4个月" in page


def test_member_expected_meetings_follow_the_roster_rule(tree, member_a):
    member = member_a.member
    other = branch_services.create_party_group(actor=None, branch=tree["a"], name="第二党小组")
    mine = branch_services.create_party_group(actor=None, branch=tree["a"], name="第一党小组")
    Member.objects.filter(pk=member.pk).update(party_group=mine)
    member.memberships.update(party_group=mine)
    member.refresh_from_db()
    meetings = [_plan(tree["a"], 2), _plan(tree["a"], 3, kinds=[Kind.GROUP_MEETING], party_group=other),
                _plan(tree["a"], 4, kinds=[Kind.GROUP_MEETING], party_group=mine),
                _plan(tree["a"], 5, kinds=[Kind.BRANCH_COMMITTEE])]
    expected = [m for m in meetings if expected_members(branch=m.branch, on=timezone.localdate(m.held_at),
                                                        kinds=m.kind_values, party_group=m.party_group)
                .filter(pk=member.pk).exists()]
    assert [m.pk for m in upcoming_meetings_for(member, now=NOW)] == [m.pk for m in expected]
    assert [m.pk for m in expected] == [meetings[0].pk, meetings[2].pk]


def test_upper_level_sees_its_subtree_summary_and_escalated_alerts(client, tree, viewer):
    _alert(tree["a"], subject="a", text="支部党员大会：2026年第1季度应开1次")
    _alert(tree["b"], subject="b", text="不在本辖区的预警")
    _alert(tree["a"], kind=Alert.Kind.MEETING_DUE_SOON, level=Alert.Level.INFO, subject="c", text="即将到期的提示")
    client.force_login(viewer)
    page = client.get("/").content.decode()
    assert "中共临江市江城区委" in page and "/orgs/D1/dashboard/" in page
    assert "支部党员大会：2026年第1季度应开1次" in page
    assert "不在本辖区的预警" not in page and "即将到期的提示" not in page


def test_admin_sees_imports_users_and_policy_changes(client, tree, admin_user):
    RosterImport.objects.create(filename="名册2026.xlsx", status=RosterImport.Status.FAILED, created_by=admin_user)
    rule = QuotaRule.objects.filter(kind=Kind.PARTY_LECTURE).first()
    before = audit.snapshot(rule)
    rule.minimum = 2
    rule.save()
    audit.record_update(actor=admin_user, instance=rule, before=before, source="admin")
    client.force_login(admin_user)
    page = client.get("/").content.decode()
    assert "名册2026.xlsx" in page and "导入失败" in page
    assert "系统管理" in page and "政策参数变更" in page and str(rule)[:10] in page


def test_outsider_secretary_sees_nothing_of_another_branch(client, tree, secretary_a, secretary_b, member_a):
    meeting = _plan(tree["a"], 3, topic="兴隆社区学习会")
    services.request_leave(actor=member_a, member=member_a.member, meeting=meeting, reason="出差", now=NOW)
    _alert(tree["a"], text="兴隆社区的预警")
    client.force_login(secretary_b)
    page = client.get("/").content.decode()
    assert "幸福村党支部" in page
    for secret in ("兴隆社区", "王党员", "兴隆社区学习会", "兴隆社区的预警"):
        assert secret not in page


def test_outsider_cannot_decide_leave_from_the_workbench_form(client, tree, secretary_b, member_a):
    meeting = _plan(tree["a"], 3)
    leave = services.request_leave(actor=member_a, member=member_a.member, meeting=meeting, reason="出差", now=NOW)
    client.force_login(secretary_b)
    assert client.post(f"/leave/{leave.pk}/decide/", {"decision": "approve", "back": "home"}).status_code == 404
    leave.refresh_from_db()
    assert leave.status == LeaveRequest.Status.PENDING


def _queries(client, url="/") -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_secretary_workbench_query_count_is_constant(client, tree, secretary_a):
    client.force_login(secretary_a)
    members = [_member_user(tree["a"], f"党员{i}", f"m{i}") for i in range(6)]
    first = _plan(tree["a"], 2)
    services.request_leave(actor=members[0], member=members[0].member, meeting=first, reason="事假", now=NOW)
    _alert(tree["a"], subject="one")
    few = _queries(client)
    for i, user in enumerate(members[1:], start=1):
        meeting = _plan(tree["a"], 2 + i)
        services.request_leave(actor=user, member=user.member, meeting=meeting, reason="事假", now=NOW)
        _alert(tree["a"], subject=f"more{i}", kind=Alert.Kind.MEMBER_ABSENT, member=user.member)
    assert _queries(client) == few


def test_member_workbench_query_count_is_constant(client, tree, member_a):
    client.force_login(member_a)
    asked = _plan(tree["a"], 2)
    services.request_leave(actor=member_a, member=member_a.member, meeting=asked, reason="事假", now=NOW)
    few = _queries(client)
    for i in range(6):
        meeting = _plan(tree["a"], 3 + i)
        services.request_leave(actor=member_a, member=member_a.member, meeting=meeting, reason="事假", now=NOW)
    assert _queries(client) == few


def test_upper_workbench_query_count_is_constant(client, tree, viewer):
    client.force_login(viewer)
    _alert(tree["a"], subject="one")
    few = _queries(client)
    for i in range(6):
        _alert(tree["a2"], subject=f"more{i}")
    assert _queries(client) == few
