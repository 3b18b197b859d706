from datetime import timedelta

import pytest
from django.utils import timezone

from meetings import services
from meetings.models import Attendance, LeaveRequest, Meeting
from tests.factories import make_member
from tests.meetings.conftest import local

pytestmark = pytest.mark.django_db

CONTRACT = {"id", "branch", "party_group", "kinds", "held_at", "place", "topic", "host", "recorder", "minutes",
            "resolutions", "attendance", "recorded_at", "late_entry"}


def _payload(**overrides):
    data = {"branch": "A", "kinds": ["theme_day", "branch_assembly"], "held_at": "2026-05-08T09:00:00+08:00",
            "topic": "学习二十大精神", "place": "党员活动室"}
    data.update(overrides)
    return data


def test_create_without_attendance_records_everyone_present(api, tree, secretary_a):
    make_member(tree["a"], name="甲")
    response = api.as_(secretary_a).post("/api/v1/meetings/", _payload(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) >= CONTRACT
    assert body["kinds"] == ["branch_assembly", "theme_day"]
    assert body["late_entry"] is True  # a May meeting recorded today is 补记
    assert {a["status"] for a in body["attendance"]} == {"present"} and len(body["attendance"]) == 2
    assert body["counts"]["expected"] == 2 and body["quorum"][0]["met"] is True


def test_attendance_exceptions_and_reasons(api, tree, secretary_a):
    absent = make_member(tree["a"], name="缺席者")
    response = api.as_(secretary_a).post("/api/v1/meetings/", _payload(attendance=[
        {"member": absent.pk, "status": "absent", "reason": "外出未请假"}]), format="json")
    rows = {a["member_name"]: a for a in response.json()["attendance"]}
    assert rows["缺席者"]["status"] == "absent" and rows["缺席者"]["reason"] == "外出未请假"
    assert rows["李书记"]["status"] == "present"


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"held_at": (timezone.now() + timedelta(days=2)).isoformat()}, "held_at", "在将来"),
        ({"ended_at": "2026-05-08T08:00:00+08:00"}, "ended_at", "晚于开始时间"),
        ({"kinds": []}, "kinds", ""),
        ({"kinds": ["picnic"]}, "kinds", "不是合法选项"),
        ({"held_at": "明天"}, "held_at", "日期时间格式错误"),
        ({"branch": "B"}, "branch", "B"),
    ],
)
def test_bad_meetings_get_400_and_nothing_is_saved(api, tree, secretary_a, overrides, field, fragment):
    response = api.as_(secretary_a).post("/api/v1/meetings/", _payload(**overrides), format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json() and fragment in str(response.json()[field])
    assert Meeting.objects.count() == 0


def test_attendee_not_on_the_roster_is_400(api, tree, secretary_a):
    stranger = make_member(tree["b"], name="外支部")
    response = api.as_(secretary_a).post("/api/v1/meetings/", _payload(attendance=[
        {"member": stranger.pk, "status": "present"}]), format="json")
    message = str(response.json()["attendance"])
    assert response.status_code == 400 and str(stranger.pk) in message and "外支部" not in message  # issue 11 §3
    assert Meeting.objects.count() == 0


def test_outsider_gets_404_and_cannot_write(api, tree, secretary_a, secretary_b):
    meeting_id = api.as_(secretary_a).post("/api/v1/meetings/", _payload(), format="json").json()["id"]
    outsider = api.as_(secretary_b)
    assert outsider.get(f"/api/v1/meetings/{meeting_id}/").status_code == 404
    assert outsider.patch(f"/api/v1/meetings/{meeting_id}/", {"topic": "x"}, format="json").status_code == 404
    assert outsider.get("/api/v1/meetings/").json()["count"] == 0


def test_a_member_reads_his_branch_meetings_but_cannot_record(api, tree, secretary_a, member_a):
    api.as_(secretary_a).post("/api/v1/meetings/", _payload(), format="json")
    client = api.as_(member_a)
    assert client.get("/api/v1/meetings/").json()["count"] == 1
    assert client.post("/api/v1/meetings/", _payload(), format="json").status_code == 403


def test_patch_keeps_attendance_and_a_locked_year_is_409(api, tree, secretary_a, organizer):
    absent = make_member(tree["a"], name="缺席者")
    client = api.as_(secretary_a)
    created = client.post("/api/v1/meetings/", _payload(attendance=[{"member": absent.pk, "status": "absent"}]),
                          format="json").json()
    patched = client.patch(f"/api/v1/meetings/{created['id']}/", {"topic": "新主题"}, format="json")
    assert patched.status_code == 200 and patched.json()["topic"] == "新主题"
    assert Attendance.objects.get(member=absent).status == "absent"
    services.lock_year(actor=organizer, branch=tree["a"], year=2026, now=timezone.now())
    locked = client.patch(f"/api/v1/meetings/{created['id']}/", {"topic": "再改"}, format="json")
    assert locked.status_code == 409 and "锁定" in locked.json()["detail"]


def test_leave_request_flow_through_the_api(api, tree, secretary_a, member_a, secretary_b):
    planned = api.as_(secretary_a).post("/api/v1/meetings/", _payload(
        status="planned", held_at=(timezone.now() + timedelta(days=7)).isoformat()), format="json")
    assert planned.status_code == 201, planned.json()
    asked = api.as_(member_a).post("/api/v1/leave-requests/", {"meeting": planned.json()["id"], "reason": "出差"},
                                   format="json")
    assert asked.status_code == 201, asked.json()
    leave = asked.json()
    assert set(leave) >= {"id", "member", "meeting", "reason", "status"} and leave["status"] == "pending"
    assert api.as_(secretary_b).post(f"/api/v1/leave-requests/{leave['id']}/approve/").status_code == 404
    assert api.as_(member_a).post(f"/api/v1/leave-requests/{leave['id']}/approve/").status_code == 403
    approved = api.as_(secretary_a).post(f"/api/v1/leave-requests/{leave['id']}/approve/", {"note": "同意"},
                                         format="json")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    again = api.as_(secretary_a).post(f"/api/v1/leave-requests/{leave['id']}/reject/")
    assert again.status_code == 409
    assert api.as_(member_a).get("/api/v1/leave-requests/").json()["results"][0]["status"] == "approved"


def test_leave_for_a_held_meeting_is_400(api, tree, secretary_a, member_a):
    held = api.as_(secretary_a).post("/api/v1/meetings/", _payload(), format="json").json()
    response = api.as_(member_a).post("/api/v1/leave-requests/", {"meeting": held["id"], "reason": "x"}, format="json")
    assert response.status_code == 400 and "尚未召开" in response.json()["meeting"][0]
    assert not LeaveRequest.objects.exists()


def test_a_user_without_a_member_record_cannot_ask_for_leave(api, tree, viewer, secretary_a):
    planned = services.plan_meeting(actor=secretary_a, branch=tree["a"], kinds=["theme_day"],
                                    held_at=timezone.now() + timedelta(days=3), topic="x", now=timezone.now())
    response = api.as_(viewer).post("/api/v1/leave-requests/", {"meeting": planned.pk, "reason": "x"}, format="json")
    assert response.status_code == 400 and "未关联党员信息" in response.json()["member"][0]


def test_compliance_endpoint_contract_and_scope(api, tree, viewer, secretary_b, record):
    record(tree["a"], ["party_lecture"], local(2026, 8, 5, 9))
    response = api.as_(viewer).get("/api/v1/orgs/D1/compliance/?year=2026&at=2026-10-05")
    assert response.status_code == 200, response.json()
    branches = {row["branch"]: row for row in response.json()["results"]}
    assert set(branches) == {"A", "A2"}
    rules = branches["A2"]["rules"]
    assert set(rules[0]) >= {"kind", "party_group", "period_start", "period_end", "required", "held", "state",
                             "explanation"}
    q3 = next(r for r in rules if r["kind"] == "party_lecture" and r["period_start"] == "2026-07-01")
    assert (q3["period_end"], q3["state"], q3["held"]) == ("2026-09-30", "late", 0)
    met = next(r for r in branches["A"]["rules"] if r["kind"] == "party_lecture" and r["period_start"] == "2026-07-01")
    assert met["state"] == "met"
    assert api.as_(secretary_b).get("/api/v1/orgs/D1/compliance/").status_code == 404


@pytest.mark.parametrize(("query", "field"), [("?year=20x6", "year"), ("?at=2026-13-01", "at")])
def test_compliance_bad_parameters_are_400_in_chinese(api, tree, viewer, query, field):
    response = api.as_(viewer).get(f"/api/v1/orgs/D1/compliance/{query}")
    assert response.status_code == 400 and "无效" in response.json()[field][0]


def test_compliance_for_a_member_is_403(api, tree, member_a):
    assert api.as_(member_a).get("/api/v1/orgs/A/compliance/").status_code == 403


def test_meeting_list_queries_do_not_grow_with_meetings(api, tree, secretary_a, record, django_assert_max_num_queries):
    for i in range(5):
        make_member(tree["a"], name=f"党员{i}")
    for day in range(1, 11):
        record(tree["a"], ["theme_day"], local(2026, 3, day, 9))
    client = api.as_(secretary_a)
    with django_assert_max_num_queries(10):
        assert client.get("/api/v1/meetings/").json()["count"] == 10


def test_compliance_explains_the_facts_and_shows_made_up_periods_apart(api, tree, viewer, secretary_b, record):
    from datetime import date

    from branches import services as branch_services

    branch_services.create_party_group(actor=None, branch=tree["a"], name="第一党小组", set_up_on=date(2026, 10, 1))
    record(tree["a"], ["theme_day"], local(2026, 3, 20, 9), now=local(2026, 4, 20, 9))  # after March's grace
    response = api.as_(viewer).get("/api/v1/orgs/A/compliance/?year=2026&at=2026-12-01")
    assert response.status_code == 200
    rules = response.json()["results"][0]["rules"]

    def find(kind, start):
        return [r for r in rules if r["kind"] == kind and r["period_start"] == start]

    march = find("theme_day", "2026-03-01")[0]
    assert march["state"] == "met_late" and "其后补记完成" in march["explanation"]
    january = find("branch_assembly", "2026-01-01")
    monthly = next(r for r in january if r["period_end"] == "2026-01-31")
    assert monthly["state"] == "overdue"
    assert "按该期首日即1月1日的党小组与正式党员人数判断：未划分党小组" in monthly["explanation"]
    assert monthly["judged_by"] == {"on": "2026-01-01", "party_groups": 0, "full_members": 0, "members": 0}
    assert march["judged_by"] is None and march["held_on_time"] == 0
    q4 = next(r for r in find("branch_assembly", "2026-10-01") if r["period_end"] == "2026-12-31")
    assert q4["state"] != "not_applicable" and "党小组1个" in q4["explanation"]
    assert find("branch_assembly", "2026-11-01")[0]["state"] == "not_applicable"
    assert find("group_meeting", "2026-11-01") and not find("group_meeting", "2026-01-01")
    assert api.as_(secretary_b).get("/api/v1/orgs/A/compliance/?year=2026").status_code == 404
