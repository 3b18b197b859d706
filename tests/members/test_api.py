from datetime import date

import pytest

from members.models import Member
from tests.factories import make_member, valid_id_number

pytestmark = pytest.mark.django_db

CONTRACT = {"id", "name", "gender", "ethnicity", "birth_date", "id_number", "category", "joined_on", "confirmed_on",
            "branch", "branch_since", "party_group", "status"}


def _payload(**overrides):
    born = date(1990, 3, 8)
    data = {"name": "陈新", "gender": "female", "ethnicity": "汉族", "birth_date": born.isoformat(),
            "id_number": valid_id_number(birth_date=born, gender="female"), "category": "probationary",
            "joined_on": "2026-07-01", "branch": "A", "status": "normal"}
    data.update(overrides)
    return data


def test_secretary_creates_a_member_and_branch_since_defaults_to_joined_on(api, secretary_a):
    response = api.as_(secretary_a).post("/api/v1/members/", _payload(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) >= CONTRACT
    assert body["branch_since"] == "2026-07-01" and body["party_group"] is None
    assert len(body["id_number"]) == 18 and "*" not in body["id_number"]  # the secretary may see it


def test_id_numbers_are_masked_for_an_upper_level_viewer(api, tree, viewer):
    number = valid_id_number()
    member = make_member(tree["a"], id_number=number)
    body = api.as_(viewer).get(f"/api/v1/members/{member.pk}/").json()
    assert body["id_number"] == "*" * 14 + number[-4:]


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"id_number": "110105194912310021"}, "id_number", "校验位"),
        ({"id_number": "123"}, "id_number", "18位"),
        ({"birth_date": "1991-03-08"}, "id_number", "不一致"),
        ({"gender": "male"}, "id_number", "性别"),
        ({"category": "full", "confirmed_on": "2026-06-01"}, "confirmed_on", "晚于加入党组织日期"),
        ({"branch": "D1"}, "branch", "D1"),  # not even visible to a branch secretary
        ({"branch": "ZZZ"}, "branch", "ZZZ"),
        ({"gender": "男"}, "gender", "不是合法选项"),
        ({"joined_on": "2026/13/01"}, "joined_on", "日期格式错误"),
    ],
)
def test_bad_member_input_is_400_with_a_field_message_and_saves_nothing(api, secretary_a, overrides, field, fragment):
    count = Member.objects.count()
    response = api.as_(secretary_a).post("/api/v1/members/", _payload(**overrides), format="json")
    assert response.status_code == 400, response.json()
    assert fragment in " ".join(response.json()[field])
    assert Member.objects.count() == count


def test_members_go_into_branches_only(api, admin_user):
    response = api.as_(admin_user).post("/api/v1/members/", _payload(branch="D1"), format="json")
    assert response.status_code == 400 and "不是党支部" in response.json()["branch"][0]


def test_missing_id_number_is_required(api, secretary_a):
    payload = _payload()
    del payload["id_number"]
    response = api.as_(secretary_a).post("/api/v1/members/", payload, format="json")
    assert response.status_code == 400 and "公民身份号码" in response.json()["id_number"][0]


def test_outsider_cannot_see_or_change_branch_a_members(api, tree, secretary_b):
    member = make_member(tree["a"])
    client = api.as_(secretary_b)
    assert client.get(f"/api/v1/members/{member.pk}/").status_code == 404
    assert client.patch(f"/api/v1/members/{member.pk}/", {"name": "x"}, format="json").status_code == 404
    assert member.pk not in {m["id"] for m in client.get("/api/v1/members/").json()["results"]}
    response = client.post("/api/v1/members/", _payload(), format="json")
    assert response.status_code == 400 and "branch" in response.json()


def test_a_member_sees_only_himself_and_cannot_edit(api, tree, member_a, secretary_a):
    client = api.as_(member_a)
    rows = client.get("/api/v1/members/").json()["results"]
    assert [r["name"] for r in rows] == ["王党员"]
    own = rows[0]
    assert "*" not in own["id_number"]  # his own number
    assert client.patch(f"/api/v1/members/{own['id']}/", {"name": "x"}, format="json").status_code == 403


def test_members_are_not_deleted_through_the_api(api, tree, admin_user):
    member = make_member(tree["a"])
    assert api.as_(admin_user).delete(f"/api/v1/members/{member.pk}/").status_code == 405


def test_patching_the_branch_transfers_and_keeps_history(api, tree, admin_user):
    member = make_member(tree["a"], joined_on=date(2015, 7, 1))
    response = api.as_(admin_user).patch(f"/api/v1/members/{member.pk}/",
                                         {"branch": "B", "branch_since": "2026-09-01"}, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["branch"], response.json()["branch_since"]) == ("B", "2026-09-01")
    assert member.memberships.count() == 2


def test_secretary_cannot_transfer_into_a_branch_he_does_not_manage(api, tree, secretary_a):
    member = make_member(tree["a"], joined_on=date(2015, 7, 1))
    response = api.as_(secretary_a).patch(f"/api/v1/members/{member.pk}/", {"branch": "B"}, format="json")
    assert response.status_code == 400  # branch B is not even visible to him
    member.refresh_from_db()
    assert member.branch == tree["a"] and member.memberships.count() == 1


def test_list_filters_by_branch_code(api, tree, viewer):
    make_member(tree["a"], name="甲")
    make_member(tree["a2"], name="乙")
    rows = api.as_(viewer).get("/api/v1/members/?branch=A2").json()["results"]
    assert [r["name"] for r in rows] == ["乙"]


def test_member_list_query_count_does_not_grow_with_rows(api, tree, viewer, django_assert_max_num_queries):
    for i in range(15):
        make_member(tree["a"], name=f"党员{i}")
    client = api.as_(viewer)
    with django_assert_max_num_queries(8):
        assert len(client.get("/api/v1/members/").json()["results"]) == 15
