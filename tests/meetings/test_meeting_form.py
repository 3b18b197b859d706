"""The logging screen: the roster of the chosen date, approved leave of that day pre-ticked, a 补记
warned before saving, the phone layout's hooks."""

from datetime import date, timedelta

import pytest
import time_machine

from meetings import services
from meetings.models import Meeting
from members import services as member_services
from tests.factories import make_member
from tests.meetings.conftest import local

pytestmark = pytest.mark.django_db
NOW = local(2026, 5, 20, 10)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def _post(**overrides):
    data = {"kinds": ["theme_day"], "held_at": "2026-05-18T09:00", "ended_at": "", "place": "活动室", "topic": "主题党日",
            "party_group": "", "host": "", "recorder": "", "lecturer": "", "guests": "", "minutes": "学习了……",
            "resolutions": ""}
    data.update(overrides)
    return data


def test_roster_is_the_one_of_the_chosen_date(client, tree, secretary_a):
    newcomer = make_member(tree["a"], name="新来的", joined_on=date(2025, 1, 1))
    member_services.transfer_member(actor=None, member=newcomer, to_branch=tree["b"], on=date(2026, 5, 1))
    late_joiner = make_member(tree["a"], name="五月转入", joined_on=date(2025, 1, 1))
    from members.models import Membership
    Membership.objects.filter(member=late_joiner).update(started_on=date(2026, 5, 10))
    client.force_login(secretary_a)
    april = client.get("/orgs/A/meetings/new/?roster=2026-04-20").content.decode()
    assert "新来的" in april and "五月转入" not in april and "<html" not in april  # just the rows
    may = client.get("/orgs/A/meetings/new/?roster=2026-05-18").content.decode()
    assert "新来的" not in may and "五月转入" in may
    # saved for April 20: the rows of April 20, as the preview showed
    response = client.post("/orgs/A/meetings/new/", _post(held_at="2026-04-20T09:00", confirm_late="1"))
    assert response.status_code == 302
    names = set(Meeting.objects.get().attendance.values_list("member__name", flat=True))
    assert "新来的" in names and "五月转入" not in names


def test_a_post_for_another_date_shows_that_dates_roster_again(client, tree, secretary_a):
    left = make_member(tree["a"], name="已转出", joined_on=date(2025, 1, 1))
    member_services.transfer_member(actor=None, member=left, to_branch=tree["b"], on=date(2026, 5, 1))
    client.force_login(secretary_a)
    page = client.post("/orgs/A/meetings/new/", _post(held_at="2026-04-20T09:00", topic="")).content.decode()
    assert "已转出" in page  # the form came back with an error: still April's roster


def test_approved_leave_of_a_planned_meeting_is_preticked_for_any_meeting_that_day(client, tree, secretary_a, member_a):
    planned = services.plan_meeting(actor=None, branch=tree["a"], kinds=["theme_day"], topic="计划中的主题党日",
                                    held_at=NOW + timedelta(days=2), now=NOW)
    leave = services.request_leave(actor=member_a, member=member_a.member, meeting=planned, reason="出差外地", now=NOW)
    services.decide_leave(actor=secretary_a, leave=leave, approve=True, now=NOW)
    client.force_login(secretary_a)
    day = (NOW + timedelta(days=2)).date().isoformat()
    rows = client.get(f"/orgs/A/meetings/new/?roster={day}").content.decode()
    row = rows[rows.index("王党员"):rows.index("</tr>", rows.index("王党员"))]
    assert 'value="leave" checked' in row and "出差外地" in row and "data-leave" in rows
    other_day = client.get("/orgs/A/meetings/new/?roster=2026-05-18").content.decode()
    row = other_day[other_day.index("王党员"):other_day.index("</tr>", other_day.index("王党员"))]
    assert 'value="present" checked' in row


def test_a_late_record_is_warned_first_with_the_reason_and_saved_once_confirmed(client, tree, secretary_a):
    client.force_login(secretary_a)
    first = client.post("/orgs/A/meetings/new/", _post(held_at="2026-03-20T09:00", kinds=["branch_assembly"]))
    page = first.content.decode()
    assert first.status_code == 200 and Meeting.objects.count() == 0
    assert "将标记为补记" in page and "2026年3月31日结束" in page and "会议于2026年3月20日召开" in page
    assert "学习了……" in page and 'name="confirm_late"' in page
    confirmed = client.post("/orgs/A/meetings/new/", _post(held_at="2026-03-20T09:00", kinds=["branch_assembly"],
                                                           confirm_late="1"))
    assert confirmed.status_code == 302 and Meeting.objects.get().late_entry


def test_a_timely_record_saves_without_a_warning(client, tree, secretary_a):
    client.force_login(secretary_a)
    assert client.post("/orgs/A/meetings/new/", _post()).status_code == 302
    assert not Meeting.objects.get().late_entry


def test_a_mistake_is_shown_before_the_late_warning(client, tree, secretary_a):
    client.force_login(secretary_a)
    page = client.post("/orgs/A/meetings/new/", _post(held_at="2026-03-20T09:00", ended_at="2026-03-20T08:00")).content.decode()
    assert "结束时间必须晚于开始时间" in page and "将标记为补记" not in page


def test_phone_hooks_are_in_the_form(client, tree, secretary_a):
    client.force_login(secretary_a)
    page = client.get("/orgs/A/meetings/new/").content.decode()
    assert 'id="all-present"' in page and "sticky-actions" in page and 'id="attendance-rows"' in page


def test_outsider_cannot_read_another_branchs_roster_rows(client, tree, secretary_b):
    client.force_login(secretary_b)
    assert client.get("/orgs/A/meetings/new/?roster=2026-05-18").status_code == 404
