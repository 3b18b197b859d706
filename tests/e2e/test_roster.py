import pytest

from tests.e2e.conftest import login
from tests.factories import make_member

pytestmark = pytest.mark.django_db(transaction=True)


def test_secretary_logs_in_and_sees_the_branch_roster(page, tree, secretary_a):
    make_member(tree["a"], name="周建国")
    make_member(tree["b"], name="外支部党员")
    login(page, "secretary_a")
    page.click("text=兴隆社区党支部")
    page.wait_for_selector("#roster")
    roster = page.inner_text("#roster")
    assert "周建国" in roster and "李书记" in roster
    assert "外支部党员" not in roster
    assert "********" in roster  # ID numbers masked in lists


def test_a_member_on_a_phone_sees_his_own_record(phone, tree, member_a):
    login(phone, "member_a")
    phone.click("text=查看我的信息")
    assert "王党员" in phone.inner_text("h1")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390 + 1  # no sideways scrolling
