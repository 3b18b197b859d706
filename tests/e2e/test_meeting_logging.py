"""The secretary logs a 30-member 支部党员大会 with two absences and one approved leave."""

from datetime import timedelta

import pytest
from django.utils import timezone

from meetings import services
from meetings.models import Meeting
from tests.factories import UserFactory, make_member

pytestmark = pytest.mark.django_db(transaction=True)

INTERACTION_GOAL = 12


class Counter:
    """Counts what the person does: each fill, click and check is one interaction."""

    def __init__(self, page):
        self.page, self.count = page, 0

    def fill(self, selector, value):
        self.count += 1
        self.page.fill(selector, value)

    def click(self, selector):
        self.count += 1
        self.page.click(selector)

    def check(self, selector):
        self.count += 1
        self.page.check(selector)


def test_secretary_logs_a_thirty_member_assembly_in_few_interactions(page, tree, secretary_a):
    members = [make_member(tree["a"], name=f"党员{i:02d}") for i in range(29)]  # + the secretary = 30
    on_leave_user = UserFactory(username="traveller")
    on_leave = members[5]
    on_leave.user = on_leave_user
    on_leave.save(update_fields=["user"])
    now = timezone.now()
    meeting = services.plan_meeting(actor=secretary_a, branch=tree["a"], kinds=["branch_assembly"],
                                    held_at=now + timedelta(minutes=30), topic="第四季度党员大会", place="三楼会议室", now=now)
    leave = services.request_leave(actor=on_leave_user, member=on_leave, meeting=meeting, reason="外地出差", now=now)
    services.decide_leave(actor=secretary_a, leave=leave, approve=True, now=now)
    # the meeting has now taken place
    Meeting.objects.filter(pk=meeting.pk).update(held_at=now - timedelta(hours=2))

    person = Counter(page)
    page.goto("/accounts/login/")
    person.fill("#id_username", "secretary_a")
    person.fill("#id_password", "pass12345")
    person.click("button[type=submit]")
    person.click("text=兴隆社区党支部")
    person.click("text=会议记录")
    person.click(f"a[href$='?planned={meeting.pk}']")
    page.wait_for_selector("#attendance")
    assert page.locator("#attendance tbody tr:not([hidden])").count() == 30
    assert page.is_checked(f"input[name=att-{on_leave.pk}][value=leave]")  # approved leave pre-ticked
    person.check(f"input[name=att-{members[1].pk}][value=absent]")
    person.check(f"input[name=att-{members[2].pk}][value=absent]")
    counts = page.inner_text("#counts")
    assert "应到 30 人，实到 27 人" in counts and "请假 1 人，缺席 2 人" in counts
    assert "超过半数，可以进行表决" in page.inner_text("#quorum")
    person.click("#save-meeting")
    page.wait_for_selector("text=已记录")

    meeting.refresh_from_db()
    statuses = dict(meeting.attendance.values_list("member_id", "status"))
    assert meeting.status == "held" and len(statuses) == 30
    assert sorted(k for k, v in statuses.items() if v == "absent") == sorted([members[1].pk, members[2].pk])
    assert [k for k, v in statuses.items() if v == "leave"] == [on_leave.pk]
    assert "实到 27" in page.inner_text(".stats")
    print(f"\nINTERACTIONS logging a 30-member 支部党员大会: {person.count} (goal ≤ {INTERACTION_GOAL})")
    assert person.count <= INTERACTION_GOAL


def test_the_form_shows_each_vote_and_the_committee_quorum_live(page, tree, secretary_a):
    """Issue 15 points 9–10: the vote outcome against 应到会有表决权的党员 as the tally is typed, and the
    支委会 quorum of the committee alone when the meeting is also a 党员大会."""
    members = [make_member(tree["a"], name=f"党员{i:02d}") for i in range(9)]  # + the secretary: 10 voters
    committee = [make_member(tree["a"], name=f"委员{i}", party_post="committee_member") for i in range(2)]
    page.goto("/accounts/login/")
    page.fill("#id_username", "secretary_a")
    page.fill("#id_password", "pass12345")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    page.goto("/orgs/A/meetings/new/")
    page.check("#kinds input[value=branch_assembly]")
    page.check("#kinds input[value=branch_committee]")
    for member in committee:
        page.check(f"input[name=att-{member.pk}][value=absent]")
    quorum = page.inner_text("#quorum")
    assert "应到会有表决权的党员 12 人，实到 10 人" in quorum
    assert "支委会：应到委员 3 人，实到 1 人，未超过半数" in quorum  # the committee, not the 12 present members
    page.fill("input[name=vote-text-0]", "接收张三为预备党员")
    page.fill("input[name=vote-for-0]", "6")
    assert page.inner_text("tr[data-vote-row='0'] .vote-verdict").startswith("未通过")  # 6 of 12 is not more than half
    page.fill("input[name=vote-for-0]", "7")
    assert page.inner_text("tr[data-vote-row='0'] .vote-verdict").startswith("通过")
    assert members  # the roster behind the figures
