from datetime import date

import pytest

from members.models import Member
from tests.factories import make_member, valid_id_number

pytestmark = pytest.mark.django_db


def _form(**overrides):
    born = date(1988, 4, 2)
    data = {"name": "孙丽", "gender": "female", "id_number": valid_id_number(birth_date=born, gender="female"),
            "birth_date": "1988/4/2", "ethnicity": "汉族", "education": "大学本科", "category": "full",
            "joined_on": "2012年7月1日", "confirmed_on": "2013-07-01", "party_group": "", "party_post": "member",
            "job": "", "mobile": "", "landline": "", "address": "", "status": "normal", "lost_contact_since": "",
            "mobile_destination": "", "probation_until": "", "note": ""}
    data.update(overrides)
    return data


def test_secretary_registers_a_member(client, tree, secretary_a):
    client.force_login(secretary_a)
    response = client.post("/members/new/?branch=A", _form())
    assert response.status_code == 302
    member = Member.objects.get(name="孙丽")
    assert member.branch == tree["a"] and member.joined_on == date(2012, 7, 1)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"id_number": "110105194912310021"}, "校验位不正确"),
        ({"birth_date": "1988-04-03"}, "不一致"),
        ({"confirmed_on": "2011-01-01"}, "转为正式党员日期必须晚于加入党组织日期"),
        ({"joined_on": "明天"}, "请输入有效日期"),
        ({"lost_contact": "on"}, "失联党员须填写失去联系日期"),
    ],
)
def test_bad_member_form_input_is_explained_and_nothing_saved(client, tree, secretary_a, overrides, message):
    client.force_login(secretary_a)
    count = Member.objects.count()
    response = client.post("/members/new/?branch=A", _form(**overrides))
    page = response.content.decode()
    assert response.status_code == 200 and message in page
    assert 'value="孙丽"' in page
    assert Member.objects.count() == count


def test_member_page_shows_full_id_to_the_secretary_and_masked_to_the_viewer(client, tree, secretary_a, viewer):
    number = valid_id_number()
    member = make_member(tree["a"], id_number=number)
    client.force_login(secretary_a)
    assert number in client.get(f"/members/{member.pk}/").content.decode()
    client.force_login(viewer)
    page = client.get(f"/members/{member.pk}/").content.decode()
    assert number not in page and member.id_number_masked in page


@pytest.mark.parametrize("suffix", ["", "edit/", "transfer/"])
def test_outsider_gets_404_on_member_pages(client, tree, secretary_b, suffix):
    member = make_member(tree["a"])
    client.force_login(secretary_b)
    assert client.get(f"/members/{member.pk}/{suffix}").status_code == 404


def test_member_sees_his_own_page_only(client, tree, member_a):
    other = make_member(tree["a"], name="别人")
    client.force_login(member_a)
    own = member_a.member
    assert client.get(f"/members/{own.pk}/").status_code == 200
    assert client.get(f"/members/{other.pk}/").status_code == 404
    assert client.get(f"/members/{own.pk}/edit/").status_code == 403


def test_transfer_form_moves_the_member_and_records_history(client, tree, admin_user):
    member = make_member(tree["a"], joined_on=date(2015, 7, 1))
    client.force_login(admin_user)
    response = client.post(f"/members/{member.pk}/transfer/", {"to_branch_code": "B", "party_group": "",
                                                              "on": "2026-09-01"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.branch == tree["b"] and member.memberships.count() == 2
    assert "组织关系转接" in client.get(f"/members/{member.pk}/").content.decode()


def test_transfer_to_an_unknown_branch_is_explained(client, tree, secretary_a):
    member = make_member(tree["a"], joined_on=date(2015, 7, 1))
    client.force_login(secretary_a)
    response = client.post(f"/members/{member.pk}/transfer/", {"to_branch_code": "B", "party_group": "",
                                                              "on": "2026-09-01"})
    assert "找不到代码为“B”的党支部" in response.content.decode()
    assert member.memberships.count() == 1
