import re
from datetime import date

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token

from branches.models import Organization, PartyGroup
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def test_token_is_issued_for_valid_credentials_only(api, secretary_a):
    ok = api.post("/api/v1/auth/token/", {"username": "secretary_a", "password": "pass12345"}, format="json")
    assert ok.status_code == 200 and ok.json()["token"] == Token.objects.get(user=secretary_a).key
    bad = api.post("/api/v1/auth/token/", {"username": "secretary_a", "password": "wrong"}, format="json")
    assert bad.status_code == 400
    api.credentials(HTTP_AUTHORIZATION=f"Token {ok.json()['token']}")
    assert api.get("/api/v1/orgs/").status_code == 200


def test_anonymous_requests_are_refused_in_chinese(api, tree):
    response = api.get("/api/v1/orgs/")
    assert response.status_code in (401, 403)
    assert "身份认证信息未提供" in response.json()["detail"]


def test_org_list_uses_contract_fields_and_is_scoped(api, viewer):
    rows = api.as_(viewer).get("/api/v1/orgs/").json()["results"]
    assert {r["code"] for r in rows} == {"D1", "G1", "A", "A2"}
    a2 = next(r for r in rows if r["code"] == "A2")
    assert {"code", "name", "kind", "parent", "sector"} <= set(a2)
    assert (a2["kind"], a2["parent"]) == ("branch", "G1")


def test_outsider_gets_404_for_another_branch(api, secretary_b, tree):
    client = api.as_(secretary_b)
    assert client.get("/api/v1/orgs/A/").status_code == 404
    assert client.patch("/api/v1/orgs/A/", {"name": "x"}, format="json").status_code == 404
    assert client.delete("/api/v1/orgs/A/").status_code == 404


def test_viewer_may_read_but_not_write(api, viewer):
    client = api.as_(viewer)
    assert client.get("/api/v1/orgs/A/").status_code == 200
    response = client.patch("/api/v1/orgs/A/", {"name": "改名"}, format="json")
    assert response.status_code == 403 and "权限" in response.json()["detail"]


def test_admin_creates_a_branch_under_a_parent_code(api, admin_user):
    response = api.as_(admin_user).post("/api/v1/orgs/", {"code": "A3", "name": "第三党支部", "kind": "branch",
                                                           "parent": "D1", "sector": "school"}, format="json")
    assert response.status_code == 201, response.json()
    assert Organization.objects.get(code="A3").path.startswith(Organization.objects.get(code="D1").path)


@pytest.mark.parametrize(
    ("payload", "field", "fragment"),
    [
        ({"code": "X1", "name": "x", "kind": "branch", "parent": "NOPE"}, "parent", "NOPE"),
        ({"code": "A", "name": "x", "kind": "branch", "parent": "D1"}, "code", "组织代码已被使用"),
        ({"code": "X2", "name": "x", "kind": "branch", "parent": "A"}, "parent", "不能设在党支部之下"),
        ({"code": "含中文", "name": "x", "kind": "branch", "parent": "D1"}, "code", "只能包含字母"),
        ({"code": "X3", "name": "x", "kind": "club", "parent": "D1"}, "kind", "不是合法选项"),
    ],
)
def test_bad_org_input_gets_400_with_a_field_message(api, admin_user, payload, field, fragment):
    count = Organization.objects.count()
    response = api.as_(admin_user).post("/api/v1/orgs/", payload, format="json")
    assert response.status_code == 400
    assert fragment in " ".join(response.json()[field])
    assert Organization.objects.count() == count


def test_cycle_through_the_api_is_400(api, admin_user):
    response = api.as_(admin_user).patch("/api/v1/orgs/D1/", {"parent": "G1"}, format="json")
    assert response.status_code == 400 and "循环" in response.json()["parent"][0]


def test_parent_outside_the_callers_scope_reads_as_unknown(api, tree):
    from branches import services
    from tests.factories import UserFactory

    d1_admin = UserFactory(username="d1admin")
    services.assign_role(actor=None, user=d1_admin, role="admin", org=tree["d1"])
    response = api.as_(d1_admin).post("/api/v1/orgs/", {"code": "X9", "name": "x", "kind": "branch", "parent": "D2"},
                                      format="json")
    assert response.status_code == 400 and "parent" in response.json()


def test_deleting_a_non_empty_organization_is_a_409(api, admin_user):
    response = api.as_(admin_user).delete("/api/v1/orgs/D1/")
    assert response.status_code == 409 and "下级组织" in response.json()["detail"]


def test_party_groups_are_scoped_and_written_by_the_branch(api, tree, secretary_a, secretary_b):
    leader = make_member(tree["a"], name="组长")
    created = api.as_(secretary_a).post("/api/v1/party-groups/", {"branch": "A", "name": "第一党小组",
                                                                  "leader": leader.pk}, format="json")
    assert created.status_code == 201, created.json()
    assert created.json() == {"id": created.json()["id"], "branch": "A", "name": "第一党小组", "leader": leader.pk,
                              "set_up_on": timezone.localdate().isoformat(), "dissolved_on": None}  # defaults to today
    group_id = created.json()["id"]
    outsider = api.as_(secretary_b)
    assert outsider.get(f"/api/v1/party-groups/{group_id}/").status_code == 404
    assert outsider.get("/api/v1/party-groups/").json()["count"] == 0
    refused = outsider.post("/api/v1/party-groups/", {"branch": "A", "name": "x"}, format="json")
    assert refused.status_code == 400 and "branch" in refused.json()
    assert PartyGroup.objects.count() == 1


def test_party_group_dates_are_written_and_checked(api, tree, secretary_a, secretary_b):
    client = api.as_(secretary_a)
    created = client.post("/api/v1/party-groups/", {"branch": "A", "name": "第一党小组", "set_up_on": "2026-10-01"},
                          format="json")
    assert created.status_code == 201 and created.json()["set_up_on"] == "2026-10-01"
    url = f"/api/v1/party-groups/{created.json()['id']}/"
    wrong = client.patch(url, {"dissolved_on": "2026-09-30"}, format="json")
    assert wrong.status_code == 400 and "撤销日期须晚于成立日期" in str(wrong.json())
    assert client.patch(url, {"dissolved_on": "2027-03-01"}, format="json").json()["dissolved_on"] == "2027-03-01"
    assert PartyGroup.objects.get().dissolved_on == date(2027, 3, 1)
    assert api.as_(secretary_b).patch(url, {"dissolved_on": None}, format="json").status_code == 404


def test_party_group_leader_from_another_branch_is_400(api, tree, admin_user):
    other = make_member(tree["b"], name="外支部")
    response = api.as_(admin_user).post("/api/v1/party-groups/", {"branch": "A", "name": "第二党小组",
                                                                  "leader": other.pk}, format="json")
    assert response.status_code == 400 and "本支部" in response.json()["leader"][0]


def test_schema_and_docs_need_a_sign_in(client, tree):
    # issue 11, point 10: decided and documented (README, Security): the map of the API is for users
    assert client.get("/api/schema/").status_code == 401
    assert client.get("/api/docs/").status_code in (401, 403)


def test_schema_and_docs_are_served_without_a_cdn(client, tree, secretary_a):
    client.force_login(secretary_a)
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/members/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    # every script and style is served by us: no address outside the site (a random nonce or
    # token may well contain the letters "cdn", so the test looks at addresses, not at words)
    assert b"/static/drf_spectacular_sidecar/" in docs.content
    external = re.findall(rb"""(?:src|href)\s*=\s*["'](?:https?:)?//""", docs.content)
    assert external == [] and b"cdn.jsdelivr" not in docs.content and b"unpkg.com" not in docs.content
