"""Resolutions put to the vote at a 党员大会 or 支委会 (支部条例 第十一条; domain-rules §2.2): an item passes
only with more than half of 应到会有表决权的党员 in favour; a vote without quorum needs an explicit
confirmation and is marked. Service, form, API and the outsider."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from meetings import services
from meetings.models import Meeting, ResolutionItem
from meetings.services import Mark, Vote
from tests.factories import make_member
from tests.meetings.conftest import local

pytestmark = pytest.mark.django_db

HELD = local(2026, 5, 8, 19)
NOW = local(2026, 5, 8, 21)


@pytest.fixture
def voters(tree, secretary_a):
    """Branch A: 李书记 (secretary_a's member) and 9 more 正式党员 = 10 voters, plus 2 预备党员."""
    made = [make_member(tree["a"], name=f"党员{i}") for i in range(9)]
    for i in range(2):
        make_member(tree["a"], name=f"预备{i}", category="probationary", joined_on=date(2025, 10, 1))
    return made


def record(branch, votes, *, kinds=("branch_assembly",), attendance=None, confirm=False, meeting=None):
    return services.record_meeting(actor=None, branch=branch, kinds=list(kinds), held_at=HELD, topic="党员大会",
                                   now=NOW, attendance=attendance, votes=votes, confirm_without_quorum=confirm,
                                   meeting=meeting)


@pytest.mark.parametrize(("votes_for", "passed"), [(5, False), (6, True)])  # of 10 expected with a vote
def test_an_item_passes_with_more_than_half_of_those_expected_with_a_vote(tree, voters, votes_for, passed):
    absent = {m.pk: Mark(status="absent") for m in voters[:3]}  # 7 voters present: 6 of 7, but of 10 expected
    meeting = record(tree["a"], [Vote("接收张三为预备党员", votes_for, 1, 0)], attendance=absent)
    (item,) = meeting.resolution_items.all()
    assert (item.base, item.passed, item.without_quorum) == (10, passed, False)
    assert ("通过" if passed else "未通过") in item.verdict


def test_exempted_voters_raise_the_base(tree, voters, secretary_a):
    services.request_exemption(actor=secretary_a, branch=tree["a"], member=voters[0], reason="sick",
                               starts_on=date(2026, 5, 1), ends_on=date(2026, 6, 30), now=NOW)
    meeting = record(tree["a"], [Vote("事项", 5)])
    assert meeting.resolution_items.get().base == 10 and not meeting.resolution_items.get().passed


def test_a_vote_without_quorum_is_refused_then_saved_marked_when_confirmed(tree, voters):
    absent = {m.pk: Mark(status="absent") for m in voters[:5]}  # 5 of 10 present: not more than half
    with pytest.raises(ValidationError) as exc:
        record(tree["a"], [Vote("事项", 5)], attendance=absent)
    assert "confirm_without_quorum" in exc.value.message_dict and "未超过半数" in str(exc.value)
    assert not Meeting.objects.exists()  # nothing saved
    meeting = record(tree["a"], [Vote("事项", 5)], attendance=absent, confirm=True)
    item = meeting.resolution_items.get()
    assert item.without_quorum and "未达法定人数" in item.verdict


def test_a_meeting_without_a_vote_may_not_hold_items(tree, voters):
    with pytest.raises(ValidationError, match="只有支部党员大会或支委会"):
        record(tree["a"], [Vote("事项", 5)], kinds=["theme_day"])


@pytest.mark.parametrize(("vote", "fragment"), [
    (Vote("", 3), "请填写表决事项"),
    (Vote("事项", -1), "不能为负数"),
    (Vote("事项", 8, 2, 1), "超过应到会有表决权的10人"),
])
def test_bad_tallies_are_refused_with_chinese_errors(tree, voters, vote, fragment):
    with pytest.raises(ValidationError) as exc:
        record(tree["a"], [vote])
    assert fragment in str(exc.value.message_dict["resolution_items"])


def test_the_committee_decides_on_its_members(tree, voters):
    committee = [make_member(tree["a"], name=f"委员{i}", party_post="committee_member") for i in range(2)]
    # a 支委会 alone: secretary_a's member (李书记, 书记) and the two 委员: 3 委员, 2 present
    meeting = record(tree["a"], [Vote("研究发展对象", 2)], kinds=["branch_committee"],
                     attendance={committee[0].pk: Mark(status="absent")})
    item = meeting.resolution_items.get()
    assert (item.base, item.passed) == (3, True)


def test_editing_without_items_keeps_them_and_dropping_the_voting_kind_removes_them(tree, voters):
    meeting = record(tree["a"], [Vote("事项", 8)])
    record(tree["a"], None, meeting=meeting)
    assert meeting.resolution_items.count() == 1
    record(tree["a"], None, kinds=["theme_day"], meeting=meeting)
    assert not ResolutionItem.objects.exists()


def test_changed_attendance_rechecks_the_kept_items(tree, voters):
    meeting = record(tree["a"], [Vote("事项", 6)])
    absent = {m.pk: Mark(status="absent") for m in voters[:5]}  # quorum lost: the kept vote needs confirming
    with pytest.raises(ValidationError, match="未超过半数"):
        record(tree["a"], None, attendance=absent, meeting=meeting)
    record(tree["a"], None, attendance=absent, meeting=meeting, confirm=True)
    assert meeting.resolution_items.get().without_quorum
    record(tree["a"], None, meeting=meeting)  # confirmed once, it stays confirmed on a later correction
    assert meeting.resolution_items.get().without_quorum


# --- the form -------------------------------------------------------------------------------------

def _post(**overrides):
    data = {"kinds": ["branch_assembly"], "held_at": "2026-05-08T09:00", "ended_at": "", "place": "活动室",
            "topic": "五月党员大会", "party_group": "", "host": "", "recorder": "", "lecturer": "", "guests": "",
            "minutes": "", "resolutions": "",
            "confirm_late": "1"}  # a past date: the form's 补记 warning is tested in test_meeting_form
    data.update(overrides)
    return data


def test_the_form_saves_items_and_the_detail_page_shows_the_vote(client, tree, voters, secretary_a):
    client.force_login(secretary_a)
    response = client.post("/orgs/A/meetings/new/", _post(**{"vote-text-0": "接收张三为预备党员", "vote-for-0": "9",
                                                            "vote-against-0": "1", "vote-abstain-0": ""}))
    assert response.status_code == 302, response.content.decode()[:2000]
    meeting = Meeting.objects.get()
    item = meeting.resolution_items.get()
    assert (item.votes_for, item.votes_against, item.votes_abstain, item.passed) == (9, 1, 0, True)
    page = client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert "接收张三为预备党员" in page and "通过（应到会有表决权10人）" in page


def test_the_form_asks_for_confirmation_without_quorum_and_keeps_what_was_typed(client, tree, voters, secretary_a):
    client.force_login(secretary_a)
    absent = {f"att-{m.pk}": "absent" for m in voters[:5]}
    data = _post(**absent, **{"vote-text-0": "研究换届事宜", "vote-for-0": "5"})
    response = client.post("/orgs/A/meetings/new/", data)
    page = response.content.decode()
    assert response.status_code == 200 and "确认未达法定人数仍保存表决" in page and "未超过半数" in page
    assert 'value="研究换届事宜"' in page and not Meeting.objects.exists()
    response = client.post("/orgs/A/meetings/new/", {**data, "confirm_without_quorum": "on"})
    assert response.status_code == 302
    assert ResolutionItem.objects.get().without_quorum


def test_the_form_refuses_counts_that_are_not_numbers(client, tree, voters, secretary_a):
    client.force_login(secretary_a)
    response = client.post("/orgs/A/meetings/new/", _post(**{"vote-text-0": "事项", "vote-for-0": "九"}))
    assert response.status_code == 200 and "票数须为整数" in response.content.decode()
    assert not Meeting.objects.exists()


def test_the_form_offers_the_live_check_hooks(client, tree, voters, secretary_a):
    client.force_login(secretary_a)
    page = client.get("/orgs/A/meetings/new/").content.decode()
    assert 'id="votes"' in page and 'name="vote-text-0"' in page and 'class="vote-verdict"' in page
    assert 'data-exempt-voters="0"' in page


# --- the API --------------------------------------------------------------------------------------

def _payload(**overrides):
    data = {"branch": "A", "kinds": ["branch_assembly"], "held_at": "2026-05-08T09:00:00+08:00", "topic": "党员大会"}
    data.update(overrides)
    return data


def test_the_api_writes_and_reads_nested_items(api, tree, voters, secretary_a):
    response = api.as_(secretary_a).post("/api/v1/meetings/", _payload(resolution_items=[
        {"text": "接收张三为预备党员", "votes_for": 6, "votes_against": 4}]), format="json")
    assert response.status_code == 201, response.json()
    (item,) = response.json()["resolution_items"]
    assert item == {"position": 1, "text": "接收张三为预备党员", "votes_for": 6, "votes_against": 4, "votes_abstain": 0,
                    "base": 10, "passed": True, "without_quorum": False}
    meeting_id = response.json()["id"]
    patched = api.as_(secretary_a).patch(f"/api/v1/meetings/{meeting_id}/", {"topic": "改名"}, format="json")
    assert patched.status_code == 200 and len(patched.json()["resolution_items"]) == 1


@pytest.mark.parametrize(("items", "fragment"), [
    ([{"text": "", "votes_for": 1}], "请填写表决事项"),
    ([{"text": "事项", "votes_for": -1}], "不能为负数"),
    ([{"text": "事项", "votes_for": "九"}], "须为整数"),
    ([{"text": "事项", "votes_for": 99999}], "票数过大"),
    ([{"text": "事项", "votes_for": 11}], "超过应到会有表决权"),
])
def test_the_api_validates_items_in_chinese(api, tree, voters, secretary_a, items, fragment):
    response = api.as_(secretary_a).post("/api/v1/meetings/", _payload(resolution_items=items), format="json")
    assert response.status_code == 400 and fragment in str(response.json())
    assert not Meeting.objects.exists()


def test_the_api_needs_the_confirmation_without_quorum(api, tree, voters, secretary_a):
    attendance = [{"member": m.pk, "status": "absent"} for m in voters[:5]]
    payload = _payload(attendance=attendance, resolution_items=[{"text": "事项", "votes_for": 5}])
    response = api.as_(secretary_a).post("/api/v1/meetings/", payload, format="json")
    assert response.status_code == 400 and "confirm_without_quorum" in response.json()
    response = api.as_(secretary_a).post("/api/v1/meetings/", {**payload, "confirm_without_quorum": True}, format="json")
    assert response.status_code == 201 and response.json()["resolution_items"][0]["without_quorum"] is True


def test_an_outsider_neither_sees_nor_writes_items(api, tree, voters, secretary_a, secretary_b, client):
    meeting = record(tree["a"], [Vote("事项", 8)])
    outsider = api.as_(secretary_b)
    assert outsider.get(f"/api/v1/meetings/{meeting.pk}/").status_code == 404
    assert outsider.patch(f"/api/v1/meetings/{meeting.pk}/", {"resolution_items": []}, format="json").status_code == 404
    response = outsider.post("/api/v1/meetings/", _payload(resolution_items=[{"text": "x", "votes_for": 1}]), format="json")
    assert response.status_code in (400, 403, 404)
    assert ResolutionItem.objects.count() == 1
    client.force_login(secretary_b)
    assert client.get(f"/meetings/{meeting.pk}/").status_code == 404
    assert client.post("/orgs/A/meetings/new/", _post(**{"vote-text-0": "x", "vote-for-0": "1"})).status_code == 404
