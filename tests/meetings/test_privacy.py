"""Issue 11, points 3 and 4: an attendance list naming another branch's member gets no names back; a plain
member reads his branch's meetings with his own attendance row only, and no 支委会 minutes."""

import pytest

from meetings.models import Meeting
from tests.factories import make_member
from tests.meetings.conftest import local

pytestmark = pytest.mark.django_db


def _payload(**overrides):
    data = {"branch": "A", "kinds": ["branch_assembly"], "held_at": "2026-05-08T09:00:00+08:00",
            "topic": "学习会", "place": "党员活动室"}
    data.update(overrides)
    return data


def test_attendance_naming_another_branchs_member_answers_without_its_name(api, tree, secretary_a):
    stranger = make_member(tree["b"], name="外支部党员")
    response = api.as_(secretary_a).post("/api/v1/meetings/", _payload(
        attendance=[{"member": stranger.pk, "status": "absent"}]), format="json")
    assert response.status_code == 400
    assert "外支部党员" not in response.content.decode() and str(stranger.pk) in response.content.decode()
    assert Meeting.objects.count() == 0


def test_the_service_names_no_stranger_from_another_branch(tree, record):
    from django.core.exceptions import ValidationError

    from meetings.services import Mark

    make_member(tree["a"], name="本支部")
    stranger = make_member(tree["b"], name="外支部党员")
    with pytest.raises(ValidationError) as exc:
        record(tree["a"], ["branch_assembly"], local(2026, 5, 8, 9), attendance={stranger.pk: Mark("absent")})
    assert "外支部党员" not in str(exc.value) and f"编号{stranger.pk}" in str(exc.value)


@pytest.mark.parametrize("member_id", [2**63, 10**30, -1, 0])
def test_absurd_member_ids_in_attendance_are_400(api, tree, secretary_a, member_id):
    response = api.as_(secretary_a).post("/api/v1/meetings/", _payload(
        attendance=[{"member": member_id, "status": "absent"}]), format="json")
    assert response.status_code == 400


@pytest.fixture
def meetings(tree, record, member_a, secretary_a):
    other = make_member(tree["a"], name="别人", party_post="organization_member")
    from meetings.services import Mark

    me = member_a.member
    assembly = record(tree["a"], ["branch_assembly"], local(2026, 5, 8, 9), minutes="大会记录内容",
                      attendance={other.pk: Mark("leave", "别人的私事"), me.pk: Mark("absent", "我的原因")})
    committee = record(tree["a"], ["branch_committee"], local(2026, 5, 9, 9), minutes="支委会秘密内容",
                       resolutions="支委会决议内容")
    return {"assembly": assembly, "committee": committee, "other": other, "me": me}


def test_a_member_reads_only_his_own_attendance_row_through_the_api(api, member_a, meetings):
    body = api.as_(member_a).get(f"/api/v1/meetings/{meetings['assembly'].pk}/").json()
    assert [row["member"] for row in body["attendance"]] == [meetings["me"].pk]
    assert body["attendance"][0]["reason"] == "我的原因"
    assert "别人的私事" not in str(body) and body["minutes"] == "大会记录内容"
    listed = api.as_(member_a).get("/api/v1/meetings/").content.decode()
    assert "别人的私事" not in listed and "支委会秘密内容" not in listed and "支委会决议内容" not in listed


def test_a_member_gets_no_committee_minutes(api, member_a, meetings):
    body = api.as_(member_a).get(f"/api/v1/meetings/{meetings['committee'].pk}/").json()
    assert body["minutes"] == "" and body["resolutions"] == ""


def test_the_secretary_still_reads_the_whole_record(api, secretary_a, meetings):
    body = api.as_(secretary_a).get(f"/api/v1/meetings/{meetings['committee'].pk}/").json()
    assert body["minutes"] == "支委会秘密内容"
    assembly = api.as_(secretary_a).get(f"/api/v1/meetings/{meetings['assembly'].pk}/").json()
    assert "别人的私事" in str(assembly) and len(assembly["attendance"]) == 3


def test_the_meeting_page_shows_a_member_himself_only(client, member_a, secretary_a, meetings):
    client.force_login(member_a)
    page = client.get(f"/meetings/{meetings['assembly'].pk}/").content.decode()
    assert "我的原因" in page and "别人的私事" not in page and "别人" not in page
    page = client.get(f"/meetings/{meetings['committee'].pk}/").content.decode()
    assert "支委会秘密内容" not in page and "支委会决议内容" not in page
    client.force_login(secretary_a)
    page = client.get(f"/meetings/{meetings['committee'].pk}/").content.decode()
    assert "支委会秘密内容" in page


def test_a_member_gets_no_committee_votes_but_the_secretary_does(api, tree, record, member_a, secretary_a):
    from meetings.services import Vote

    committee = record(tree["a"], ["branch_committee"], local(2026, 6, 9, 9), votes=[Vote("支委会表决的秘密事项", 1)],
                       confirm_without_quorum=True)
    body = api.as_(member_a).get(f"/api/v1/meetings/{committee.pk}/").json()
    assert body["resolution_items"] == [] and "支委会表决的秘密事项" not in str(body)
    body = api.as_(secretary_a).get(f"/api/v1/meetings/{committee.pk}/").json()
    assert [item["text"] for item in body["resolution_items"]] == ["支委会表决的秘密事项"]


def test_changing_only_a_vote_is_an_audited_change(tree, record, secretary_a):
    from core.models import AuditEntry
    from meetings.services import Vote

    meeting = record(tree["a"], ["branch_committee"], local(2026, 6, 9, 9), votes=[Vote("事项", 1)],
                     confirm_without_quorum=True)
    before = AuditEntry.objects.count()
    record(tree["a"], ["branch_committee"], local(2026, 6, 9, 9), meeting=meeting, votes=[Vote("事项", 0, 1)],
           confirm_without_quorum=True)
    entry = AuditEntry.objects.order_by("-pk").first()
    assert AuditEntry.objects.count() == before + 1 and "vote.1" in str(entry.changes)
