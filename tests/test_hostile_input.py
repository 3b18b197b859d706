"""Issue 11, point 8: inputs that answered 500 (found by schemathesis and by hand) answer 400/404 with a
Chinese message; dates outside 1921–next year are refused; anonymous API calls answer 401."""

import pytest

from tests.factories import make_member

pytestmark = pytest.mark.django_db

API_PROBES = [
    "/api/v1/orgs/%E4%B8%AD%E6%96%87/",
    "/api/v1/orgs/%E4%B8%AD%E6%96%87/compliance/?year=2026",
    "/api/v1/orgs/%E4%B8%AD%E6%96%87/dashboard/?year=2026",
    "/api/v1/orgs/A/compliance/?year=2026&at=9999-12-31",
    "/api/v1/orgs/A/compliance/?year=2026&at=0001-01-01",
    "/api/v1/orgs/A/compliance/?year=0",
    "/api/v1/orgs/A/compliance/?year=99999",
    "/api/v1/orgs/A/compliance/?year=abc",
    "/api/v1/orgs/D1/dashboard/?year=0",
    "/api/v1/orgs/D1/dashboard/?year=99999",
    "/api/v1/orgs/D1/dashboard/?year=2026&at=9999-12-31",
    "/api/v1/orgs/D1/dashboard/?year=2026&at=0001-01-01",
    "/api/v1/members/99999999999999999999999/",
    "/api/v1/members/1.5/",
    "/api/v1/members/?party_group=99999999999999999999999",
    "/api/v1/meetings/1.5/",
    "/api/v1/meetings/99999999999999999999/",
    "/api/v1/meetings/?held_after=0001-01-01",
    "/api/v1/meetings/?party_group=1.5",
    "/api/v1/leave-requests/1e3/",
    "/api/v1/alerts/?org=%E4%B8%AD%E6%96%87",
    "/api/v1/alerts/?member=99999999999999999999999",
    "/api/v1/party-groups/99999999999999999999999/",
]

PAGE_PROBES = [
    "/orgs/A/compliance/?year=0",
    "/orgs/A/compliance/?year=99999",
    "/orgs/A/compliance/?year=abc",
    "/orgs/A/calendar/?month=9999-12",
    "/orgs/A/calendar/?month=0-1",
    "/orgs/A/calendar/?month=2026-13",
    "/orgs/A/attendance/?year=0",
    "/orgs/A/attendance/?year=99999",
    "/orgs/A/meetings/new/?planned=abc",
    "/orgs/A/meetings/new/?planned=99999999999999999999999",
    "/orgs/A/recordbook/0.pdf",
    "/orgs/A/recordbook/99999.pdf",
    "/orgs/A/recordbook/?year=0",
    "/orgs/D1/dashboard/?year=0",
    "/orgs/D1/dashboard/?year=99999",
    "/orgs/D1/dashboard/?year=2026&at=9999-12-31",
    "/orgs/D1/dashboard/ranking/?year=99999",
    "/orgs/D1/dashboard/overdue.xlsx?year=99999",
    "/orgs/A/campaigns/?year=99999",
    "/orgs/A/talks/?year=99999",
    "/alerts/?org=%E4%B8%AD%E6%96%87",
    "/members/?page=99999999999999999999",
    "/orgs/%E4%B8%AD%E6%96%87/",
]


@pytest.fixture
def people(tree, secretary_a, admin_user):
    make_member(tree["a"], name="甲")
    return {"secretary": secretary_a, "admin": admin_user}


@pytest.mark.parametrize("who", ["admin", "secretary"])
@pytest.mark.parametrize("url", API_PROBES)
def test_bad_api_input_is_never_a_500(api, people, who, url):
    response = api.as_(people[who]).get(url)
    assert response.status_code in (200, 400, 403, 404), (url, response.status_code)
    if response.status_code == 400:
        assert any("\u4e00" <= ch <= "\u9fff" for ch in response.content.decode()), response.content


@pytest.mark.parametrize("who", ["admin", "secretary"])
@pytest.mark.parametrize("url", PAGE_PROBES)
def test_bad_page_input_is_never_a_500(client, people, who, url):
    client.force_login(people[who])
    response = client.get(url)
    assert response.status_code in (200, 302, 400, 403, 404, 405), (url, response.status_code)
    if response.status_code == 400:
        assert "超出范围" in response.content.decode() or "无效" in response.content.decode()


@pytest.mark.parametrize("held_at", ["0001-05-08T09:00:00+08:00", "1920-12-31T09:00:00+08:00"])
def test_a_meeting_dated_before_1921_is_refused(api, people, held_at):
    response = api.as_(people["secretary"]).post("/api/v1/meetings/", {
        "branch": "A", "kinds": ["branch_assembly"], "held_at": held_at, "topic": "学习会"}, format="json")
    assert response.status_code == 400 and "1921" in str(response.json())


@pytest.mark.parametrize("url", ["/api/v1/", "/api/v1/members/", "/api/v1/orgs/A/compliance/?year=2026"])
def test_anonymous_api_calls_answer_401(client, tree, url):
    assert client.get(url).status_code == 401


@pytest.mark.parametrize("payload", [
    {"member": "1.5", "status": "present"}, {"member": 10**30, "status": "present"}])
def test_absurd_ids_in_a_write_are_400(api, people, payload):
    response = api.as_(people["secretary"]).post("/api/v1/meetings/", {
        "branch": "A", "kinds": ["branch_assembly"], "held_at": "2026-05-08T09:00:00+08:00", "topic": "学习会",
        "attendance": [payload]}, format="json")
    assert response.status_code == 400


def test_absurd_ids_in_action_routes_are_404(api, people):
    for url in ("/api/v1/leave-requests/1.5/approve/", "/api/v1/leave-requests/99999999999999999999/approve/"):
        assert api.as_(people["secretary"]).post(url).status_code == 404, url


# ---------------------------------------------------------------- found by schemathesis (tests/e2e/test_api_fuzz.py)


def test_a_patch_with_an_attendance_row_without_member_is_400(api, people, tree):
    created = api.as_(people["secretary"]).post("/api/v1/meetings/", {
        "branch": "A", "kinds": ["branch_assembly"], "held_at": "2026-05-08T09:00:00+08:00", "topic": "学习会"},
        format="json").json()
    response = api.as_(people["secretary"]).patch(f"/api/v1/meetings/{created['id']}/", {
        "attendance": [{"status": "present"}]}, format="json")
    assert response.status_code == 400 and "党员编号" in str(response.json())


@pytest.mark.parametrize(("url", "payload"), [
    ("/api/v1/member-reviews/", {"branch": "\x00Q", "year": 2026}),
    ("/api/v1/party-groups/", {"branch": "A\x00", "name": "第一党小组"}),
])
def test_a_nul_character_in_a_lookup_is_400_not_a_database_error(api, people, url, payload):
    response = api.as_(people["admin"]).post(url, payload, format="json")
    assert response.status_code in (400, 404), response.content


def test_creating_a_life_meeting_ignores_later_steps_fields_and_refuses_dates_without_policy(api, people):
    client = api.as_(people["secretary"])
    response = client.post("/api/v1/life-meetings/", {"branch": "A", "topic": "组织生活会",
                                                      "follow_up_on": "2026-05-10"}, format="json")
    assert response.status_code == 201, response.content
    old = client.post("/api/v1/life-meetings/", {"branch": "A", "topic": "古时", "on": "1806-07-20"}, format="json")
    assert old.status_code == 400 and "on" in old.json()
    no_policy = client.post("/api/v1/life-meetings/", {"branch": "A", "topic": "旧", "on": "1950-07-20"}, format="json")
    assert no_policy.status_code == 400 and "规则" in str(no_policy.json())
