from datetime import date

import pytest
from django.urls import reverse

from branches.models import Organization, PartyGroup
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def test_pages_require_login(client, tree):
    for url in ["/", "/orgs/", "/orgs/A/", "/orgs/new/", "/members/"]:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_login_page_is_chinese_and_wrong_password_says_so(client, secretary_a):
    assert "登录" in client.get("/accounts/login/").content.decode()
    response = client.post("/accounts/login/", {"username": "secretary_a", "password": "bad"})
    assert "用户名或密码不正确" in response.content.decode()


def test_secretary_sees_his_branch_roster_with_masked_ids(client, tree, secretary_a):
    member = make_member(tree["a"], name="周建国")
    client.force_login(secretary_a)
    page = client.get("/orgs/A/").content.decode()
    assert "周建国" in page and member.id_number_masked in page and member.id_number not in page
    assert "登记党员" in page


def test_home_shows_the_branch_card_with_facts(client, tree, secretary_a):
    client.force_login(secretary_a)
    page = client.get("/").content.decode()
    assert "兴隆社区党支部" in page and "正式" in page


@pytest.mark.parametrize("url", ["/orgs/A/", "/orgs/A/edit/", "/orgs/A/groups/new/", "/members/new/?branch=A"])
def test_outsider_from_another_branch_gets_404(client, tree, secretary_b, url):
    client.force_login(secretary_b)
    assert client.get(url).status_code == 404


def test_outsider_does_not_find_branch_a_in_lists(client, tree, secretary_b):
    make_member(tree["a"], name="周建国")
    client.force_login(secretary_b)
    assert "兴隆社区党支部" not in client.get("/orgs/").content.decode()
    assert "周建国" not in client.get("/members/").content.decode()


def test_viewer_reads_but_cannot_edit(client, tree, viewer):
    client.force_login(viewer)
    assert client.get("/orgs/A/").status_code == 200
    assert client.get("/orgs/A/edit/").status_code == 403
    assert client.get("/orgs/new/").status_code == 403
    assert client.get("/orgs/A/groups/new/").status_code == 403


def test_member_cannot_manage_his_branch(client, tree, member_a):
    client.force_login(member_a)
    assert client.get("/orgs/A/groups/new/").status_code == 403
    assert client.get("/members/new/?branch=A").status_code == 403


def _org_form(**overrides):
    data = {"code": "A9", "name": "新党支部", "kind": "branch", "parent_code": "D1", "sector": "school",
            "founded_on": "2020年7月1日", "approval_document": "", "term_start": "", "term_end": ""}
    data.update(overrides)
    return data


def test_admin_creates_an_org_with_chinese_date_input(client, admin_user):
    client.force_login(admin_user)
    response = client.post("/orgs/new/", _org_form())
    assert response.status_code == 302 and response.url == "/orgs/A9/"
    assert str(Organization.objects.get(code="A9").founded_on) == "2020-07-01"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"parent_code": "NOPE"}, "找不到代码为“NOPE”的上级组织"),
        ({"code": "A"}, "组织代码已被使用"),
        ({"parent_code": "A"}, "党支部不能设在党支部之下"),
        ({"founded_on": "2020-13-45"}, "请输入有效日期"),
        ({"term_start": "2024-01-01", "term_end": "2023-01-01"}, "任期届满日期必须晚于任期开始日期"),
    ],
)
def test_bad_org_form_input_shows_a_chinese_error_and_keeps_input(client, admin_user, overrides, message):
    client.force_login(admin_user)
    count = Organization.objects.count()
    response = client.post("/orgs/new/", _org_form(**overrides))
    page = response.content.decode()
    assert response.status_code == 200 and message in page
    assert 'value="新党支部"' in page  # what was typed is still there
    assert Organization.objects.count() == count


def test_cycle_in_the_edit_form_is_refused(client, tree, admin_user):
    client.force_login(admin_user)
    data = {"code": "D1", "name": tree["d1"].name, "kind": "party_committee", "parent_code": "G1", "sector": ""}
    response = client.post("/orgs/D1/edit/", data)
    assert "循环" in response.content.decode()
    tree["d1"].refresh_from_db()
    assert tree["d1"].parent == tree["city"]


def test_secretary_creates_a_party_group(client, tree, secretary_a):
    client.force_login(secretary_a)
    response = client.post("/orgs/A/groups/new/", {"name": "第一党小组", "leader": ""})
    assert response.status_code == 302
    assert PartyGroup.objects.filter(branch=tree["a"], name="第一党小组").exists()
    again = client.post("/orgs/A/groups/new/", {"name": "第一党小组", "leader": ""})
    assert "同名党小组" in again.content.decode()


def test_a_party_group_keeps_its_dates_and_the_page_shows_them(client, tree, secretary_a, secretary_b):
    client.force_login(secretary_a)
    bad = client.post("/orgs/A/groups/new/", {"name": "第二党小组", "set_up_on": "2026-10-01", "dissolved_on": "2026-09-01"})
    assert bad.status_code == 200 and "撤销日期须晚于成立日期" in bad.content.decode()
    assert not PartyGroup.objects.filter(name="第二党小组").exists()
    ok = client.post("/orgs/A/groups/new/", {"name": "第二党小组", "set_up_on": "2026-10-01"})
    assert ok.status_code == 302
    group = PartyGroup.objects.get(name="第二党小组")
    assert group.set_up_on == date(2026, 10, 1) and group.dissolved_on is None
    client.post(f"/orgs/A/groups/{group.pk}/edit/", {"name": "第二党小组", "set_up_on": "", "dissolved_on": "2027-01-01"})
    group.refresh_from_db()
    assert group.set_up_on == date(2026, 10, 1) and group.dissolved_on == date(2027, 1, 1)  # an empty date keeps it
    assert "2026年10月1日成立，2027年1月1日撤销" in client.get("/orgs/A/").content.decode()
    client.force_login(secretary_b)
    assert client.get(f"/orgs/A/groups/{group.pk}/edit/").status_code in (403, 404)


def test_roster_page_queries_do_not_grow_with_members(client, tree, secretary_a, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(secretary_a)
    make_member(tree["a"], name="党员")
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("org-detail", args=["A"])).status_code == 200
    for i in range(20):
        make_member(tree["a"], name=f"党员{i}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(reverse("org-detail", args=["A"])).status_code == 200
