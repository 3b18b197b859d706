from datetime import date, timedelta

import pytest
from django.utils import timezone

from meetings import services
from meetings.models import CalendarFeed, Exemption, LeaveRequest, Meeting
from tests.factories import make_member
from tests.meetings.conftest import local

pytestmark = pytest.mark.django_db


def _post(**overrides):
    data = {"kinds": ["branch_assembly"], "held_at": "2026-05-08T09:00", "ended_at": "", "place": "活动室",
            "topic": "五月党员大会", "party_group": "", "host": "", "recorder": "", "lecturer": "", "guests": "",
            "minutes": "学习了……", "resolutions": ""}
    data.update(overrides)
    return data


BRANCH_PAGES = ["/orgs/A/meetings/", "/orgs/A/meetings/new/", "/orgs/A/meetings/plan/", "/orgs/A/calendar/",
                "/orgs/A/compliance/", "/orgs/A/attendance/", "/orgs/A/leave/", "/orgs/A/exemptions/",
                "/orgs/A/calendar-feed/"]


@pytest.mark.parametrize("url", BRANCH_PAGES)
def test_outsider_gets_404_on_every_branch_page(client, tree, secretary_b, url):
    client.force_login(secretary_b)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("url", BRANCH_PAGES)
def test_secretary_opens_every_branch_page(client, tree, secretary_a, url):
    client.force_login(secretary_a)
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", ["/orgs/A/meetings/new/", "/orgs/A/meetings/plan/", "/orgs/A/calendar-feed/"])
def test_viewer_and_member_cannot_record(client, tree, viewer, member_a, url):
    for user in (viewer, member_a):
        client.force_login(user)
        assert client.get(url).status_code == 403


def test_branch_page_shows_what_is_owed_now_with_reasons(client, tree, secretary_a):
    client.force_login(secretary_a)
    page = client.get("/orgs/A/").content.decode()
    assert "当前应完成的组织生活" in page and "主题党日：" in page and "应开1次" in page


def test_logging_screen_lists_the_roster_everyone_present_by_default(client, tree, secretary_a):
    make_member(tree["a"], name="周建国")
    client.force_login(secretary_a)
    page = client.get("/orgs/A/meetings/new/").content.decode()
    assert "周建国" in page and page.count('value="present" checked') == 2


def test_logging_a_meeting_with_exceptions(client, tree, secretary_a):
    absent = make_member(tree["a"], name="缺席者")
    client.force_login(secretary_a)
    response = client.post("/orgs/A/meetings/new/", _post(**{f"att-{absent.pk}": "absent", f"reason-{absent.pk}": "出差",
                                                               "confirm_late": "1"}))  # May is over: a 补记, confirmed
    assert response.status_code == 302
    meeting = Meeting.objects.get()
    assert dict(meeting.attendance.values_list("member__name", "status")) == {"缺席者": "absent", "李书记": "present"}
    detail = client.get(response.url).content.decode()
    assert "缺席：缺席者（出差）" in detail and "应到会有表决权的党员2人，实到1人，未超过半数" in detail


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"held_at": (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")}, "会议开始时间在将来"),
        ({"ended_at": "2026-05-08T08:00"}, "结束时间必须晚于开始时间"),
        ({"kinds": []}, "请至少选择一种会议类型"),
        ({"held_at": "昨天"}, "请输入有效的日期和时间"),
        ({"kinds": ["group_meeting"]}, "党小组会须选择党小组"),
    ],
)
def test_bad_meeting_input_is_explained_and_nothing_saved(client, tree, secretary_a, overrides, message):
    client.force_login(secretary_a)
    response = client.post("/orgs/A/meetings/new/", _post(**overrides))
    page = response.content.decode()
    assert response.status_code == 200 and message in page
    assert "学习了……" in page  # the minutes typed are still there
    assert Meeting.objects.count() == 0


def test_locked_year_refuses_edits_in_the_form(client, tree, secretary_a, organizer, record):
    meeting = record(tree["a"], ["theme_day"], local(2025, 5, 8, 9))
    services.lock_year(actor=organizer, branch=tree["a"], year=2025, now=timezone.now())
    client.force_login(secretary_a)
    response = client.post(f"/orgs/A/meetings/{meeting.pk}/edit/", _post(kinds=["theme_day"], held_at="2025-05-08T09:00",
                                                                         topic="改"))
    assert "已由上级党组织锁定" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.topic == "学习会"


def test_member_asks_for_leave_on_his_phone_page_and_secretary_approves(client, tree, member_a, secretary_a):
    meeting = services.plan_meeting(actor=secretary_a, branch=tree["a"], kinds=["branch_assembly"],
                                    held_at=timezone.now() + timedelta(days=5), topic="下周党员大会", now=timezone.now())
    client.force_login(member_a)
    page = client.get("/me/").content.decode()
    assert "下周党员大会" in page and "请假" in page
    response = client.post(f"/meetings/{meeting.pk}/leave/", {"reason": "出差在外"})
    assert response.status_code == 302
    leave = LeaveRequest.objects.get()
    assert "请假待审批" in client.get("/me/").content.decode()
    client.force_login(secretary_a)
    assert "出差在外" in client.get("/orgs/A/leave/").content.decode()
    client.post(f"/leave/{leave.pk}/decide/", {"decision": "approve", "note": ""})
    leave.refresh_from_db()
    assert leave.status == "approved"
    form = client.get(f"/orgs/A/meetings/new/?planned={meeting.pk}").content.decode()
    assert 'value="leave" checked' in form and "出差在外" in form


def test_leave_form_needs_a_reason(client, tree, member_a, secretary_a):
    meeting = services.plan_meeting(actor=secretary_a, branch=tree["a"], kinds=["theme_day"],
                                    held_at=timezone.now() + timedelta(days=5), topic="主题党日", now=timezone.now())
    client.force_login(member_a)
    assert "请填写请假事由" in client.post(f"/meetings/{meeting.pk}/leave/", {"reason": ""}).content.decode()
    assert not LeaveRequest.objects.exists()


def test_outsider_cannot_decide_or_see_meetings(client, tree, secretary_a, secretary_b, member_a, record):
    meeting = services.plan_meeting(actor=secretary_a, branch=tree["a"], kinds=["theme_day"],
                                    held_at=timezone.now() + timedelta(days=5), topic="主题党日", now=timezone.now())
    leave = services.request_leave(actor=member_a, member=member_a.member, meeting=meeting, reason="x", now=timezone.now())
    client.force_login(secretary_b)
    assert client.get(f"/meetings/{meeting.pk}/").status_code == 404
    assert client.get(f"/meetings/{meeting.pk}/leave/").status_code == 404
    assert client.post(f"/leave/{leave.pk}/decide/", {"decision": "approve"}).status_code == 404
    leave.refresh_from_db()
    assert leave.status == "pending"


def test_secretary_registers_a_member_exemption_which_takes_effect(client, tree, secretary_a):
    member = make_member(tree["a"], name="病休者")
    client.force_login(secretary_a)
    response = client.post("/orgs/A/exemptions/", {"member": member.pk, "reason": "sick", "detail": "",
                                                   "starts_on": "2026-05-01", "ends_on": "2026-06-30"})
    assert response.status_code == 302
    assert Exemption.objects.get().status == "approved"


def test_branch_exemption_waits_for_the_upper_level(client, tree, secretary_a, organizer):
    client.force_login(secretary_a)
    client.post("/orgs/A/exemptions/", {"member": "", "reason": "other", "detail": "拆迁",
                                        "starts_on": "2026-05-01", "ends_on": "2026-05-31"})
    exemption = Exemption.objects.get()
    assert exemption.status == "pending"
    client.post(f"/exemptions/{exemption.pk}/decide/", {"decision": "approve"})
    assert Exemption.objects.get().status == "pending"  # the secretary may not approve his own branch
    client.force_login(organizer)
    client.post(f"/exemptions/{exemption.pk}/decide/", {"decision": "approve"})
    assert Exemption.objects.get().status == "approved"


def test_ical_feed_needs_the_token_and_lists_planned_meetings(client, tree, secretary_a):
    services.plan_meeting(actor=secretary_a, branch=tree["a"], kinds=["party_lecture"],
                          held_at=timezone.now() + timedelta(days=5), topic="专题党课", now=timezone.now())
    client.force_login(secretary_a)
    client.post("/orgs/A/calendar-feed/")
    token = CalendarFeed.objects.get(branch=tree["a"]).token
    client.logout()
    assert client.get("/orgs/A/calendar.ics").status_code == 404
    assert client.get("/orgs/A/calendar.ics?token=wrong").status_code == 404
    assert client.get(f"/orgs/B/calendar.ics?token={token}").status_code == 404
    response = client.get(f"/orgs/A/calendar.ics?token={token}")
    body = response.content.decode()
    assert response["Content-Type"].startswith("text/calendar")
    assert body.startswith("BEGIN:VCALENDAR\r\n") and "SUMMARY:党课：专题党课（计划）" in body and "截止：" in body
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))


def test_compliance_year_page_shows_states_and_articles(client, tree, secretary_a):
    client.force_login(secretary_a)
    page = client.get(f"/orgs/A/compliance/?year={date.today().year}").content.decode()
    assert "支部条例 第十六条" in page and "主题党日" in page


def test_attendance_overview_counts_per_month(client, tree, secretary_a, record):
    absent = make_member(tree["a"], name="缺席者")
    record(tree["a"], ["theme_day"], timezone.now() - timedelta(hours=2),
           attendance={absent.pk: services.Mark("absent")})
    client.force_login(secretary_a)
    page = client.get("/orgs/A/attendance/").content.decode()
    assert "缺席者" in page and "0/1" in page and "1/1" in page


def test_logging_screen_queries_do_not_grow_with_the_roster(client, tree, secretary_a, django_assert_max_num_queries):
    for i in range(25):
        make_member(tree["a"], name=f"党员{i}")
    client.force_login(secretary_a)
    with django_assert_max_num_queries(20):
        client.get("/orgs/A/meetings/new/")


def test_a_long_tail_of_overdue_periods_is_summarized_on_the_branch_page(client, tree, secretary_a):
    from unittest import mock

    client.force_login(secretary_a)
    with mock.patch("django.utils.timezone.now", return_value=local(2026, 11, 20, 10)):
        page = client.get("/orgs/A/").content.decode()
    assert page.count("badge-overdue") == 3
    assert "本年度另有" in page and "项已逾期" in page


def test_compliance_page_shows_made_up_periods_and_the_facts_judged_by(client, tree, secretary_a, secretary_b, record):
    record(tree["a"], ["theme_day"], local(2026, 3, 20, 9), now=local(2026, 4, 20, 9))  # after March's grace
    client.force_login(secretary_a)
    page = client.get("/orgs/A/compliance/?year=2026").content.decode()
    assert 'badge-met_late">补记完成' in page
    assert "按该期首日即1月1日的党小组与正式党员人数判断" in page
    client.force_login(secretary_b)
    assert client.get("/orgs/A/compliance/?year=2026").status_code in (403, 404)
