"""Each role's journey from login to a task done on its 工作台, in headless Chromium; axe-core checks the
pages a secretary and a member use most; `make screenshots` (SCREENSHOTS_DIR) keeps what they looked like.

axe-core is vendored in tests/e2e/vendor (npm axe-core 4.14.1, MPL-2.0): no CDN at test time either.
"""

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from branches.models import Role
from inspections import scanners
from inspections.models import Notification
from meetings import services
from tests.e2e.conftest import login
from tests.factories import make_member
from tests.members.conftest import rows_of, xlsx_bytes

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
PHONE = {"width": 390, "height": 844}


def shot(page, name: str, *, full_page: bool = True) -> None:
    """Save a screenshot for docs/screenshots when `make screenshots` asks for them."""
    target = os.environ.get("SCREENSHOTS_DIR")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(target) / f"{name}.png"), full_page=full_page)


def serious_a11y_issues(page) -> list[str]:
    """axe-core's serious and critical violations of the page as it stands (WCAG 2.1 A/AA rules)."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
        return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                 .map(v => v.id + ': ' + v.help + ' → ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
    }""")
    return result


@pytest.fixture
def branch_with_work(tree, secretary_a, member_a):
    """Branch A as a secretary finds it in December: this year's periods overdue (no meetings logged),
    a planned meeting with a pending leave request, the scan's alerts and digests."""
    now = timezone.now()
    day = timezone.localtime(now)
    for i in range(6):
        make_member(tree["a"], name=f"党员{i + 1}")
    meeting = services.plan_meeting(actor=secretary_a, branch=tree["a"], kinds=["theme_day"], topic="学习党的二十届四中全会精神",
                                    held_at=(day + timedelta(days=2)).replace(hour=15, minute=0), place="社区党群服务中心",
                                    now=now)
    services.plan_meeting(actor=secretary_a, branch=tree["a"], kinds=["party_lecture"], topic="书记讲党课",
                          held_at=(day + timedelta(days=5)).replace(hour=9, minute=0), now=now)
    scanners.scan_compliance(now=now)
    return {"meeting": meeting, "now": now}


def test_secretary_approves_a_leave_and_makes_up_an_overdue_period_from_its_alert(page, browser, live_server, tree,
                                                                                  branch_with_work, secretary_a,
                                                                                  member_a):
    meeting = branch_with_work["meeting"]
    services.request_leave(actor=member_a, member=member_a.member, meeting=meeting, reason="出差到外地",
                           now=branch_with_work["now"])
    login(page, "secretary_a")
    assert page.inner_text("h1") == "工作台"
    assert "李书记" in page.inner_text(".nav-user")
    shot(page, "workbench-secretary")
    assert serious_a11y_issues(page) == []

    desk = page.locator("section.card", has=page.locator("h3", has_text="待审批请假"))
    assert "出差到外地" in desk.inner_text()
    desk.locator("button[value=approve]").click()
    page.wait_for_url(f"{live_server.url}/")
    assert "已批准王党员的请假" in page.inner_text(".alert")

    alerts = page.locator("section.card", has=page.locator("h3", has_text="预警"))
    # an overdue period (one still in its 补记 window is recorded in time: no warning, not 补记)
    alerts.locator("li", has=page.locator(".badge", has_text="逾期")).locator("a", has_text="去补记").first.click()
    page.wait_for_url(re.compile(r".*/meetings/new/\?kind=.*&held=.*"))
    assert page.locator("#kinds input:checked").count() == 1
    page.fill("#id_topic", "补记：学习党章")
    page.fill("#id_place", "社区党群服务中心")
    assert serious_a11y_issues(page) == []
    shot(page, "meeting-form")
    page.click("#save-meeting")
    warning = page.locator("#late-warning")
    assert "将标记为补记" in warning.inner_text()
    page.check("input[name=confirm_late]")
    page.click("#save-meeting")
    page.wait_for_url(re.compile(r".*/meetings/\d+/$"))
    assert "补记" in page.inner_text("h1")

    page.goto("/orgs/A/compliance/")
    assert "依据" in page.inner_text("thead") and "支部条例" in page.inner_text("tbody")
    assert serious_a11y_issues(page) == []
    shot(page, "compliance")
    page.goto("/orgs/A/leave/")
    assert serious_a11y_issues(page) == []
    page.goto("/orgs/A/recordbook/")
    shot(page, "recordbook-page")

    phone = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    tab = phone.new_page()
    login(tab, "secretary_a")
    shot(tab, "workbench-secretary-phone")
    tab.goto("/orgs/A/meetings/new/")
    rows = tab.locator("#attendance-rows tr[data-member]")
    first, second = rows.nth(0).bounding_box(), rows.nth(1).bounding_box()
    assert second["y"] - first["y"] < 60  # one line per member
    label = rows.nth(0).locator("td.radios label").first.bounding_box()
    assert label["height"] >= 44 and label["width"] >= 44
    assert tab.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    tab.locator("#attendance").scroll_into_view_if_needed()
    shot(tab, "meeting-form-phone", full_page=False)
    phone.close()


def test_member_asks_leave_on_a_phone_and_sees_the_approval(phone, tree, branch_with_work, secretary_a, member_a):
    login(phone, "member_a")
    assert "我的组织生活" in phone.inner_text("main")
    assert serious_a11y_issues(phone) == []
    shot(phone, "workbench-member-phone")
    phone.locator(".member-desk a.btn", has_text="请假").first.click()
    phone.fill("textarea[name=reason], input[name=reason]", "单位加班，无法参加")
    assert serious_a11y_issues(phone) == []
    phone.click("button[type=submit]")
    phone.wait_for_url("**/me/")
    assert "请假申请已提交" in phone.inner_text(".alert")
    leave = member_a.member.leave_requests.get()
    services.decide_leave(actor=secretary_a, leave=leave, approve=True, now=timezone.now(), note="同意")
    phone.goto("/")
    assert "已批准" in phone.inner_text(".member-desk")
    phone.click("#nav-toggle + label") if phone.locator("#nav-toggle + label").is_visible() else None
    phone.click("nav.nav a[href='/inbox/']")
    notice = phone.locator("li", has_text="请假已批准")
    assert notice.count() == 1 and "同意" in notice.inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1


def test_member_workbench_on_desktop(page, tree, branch_with_work, member_a):
    login(page, "member_a")
    shot(page, "workbench-member")


def test_upper_level_follows_a_digest_to_a_branch(page, tree, viewer, branch_with_work):
    digest = Notification.objects.get(recipient=viewer)
    assert digest.kind == Notification.Kind.DIGEST and "新增逾期" in digest.title
    login(page, "viewer_d1")
    assert "需要上级关注的预警" in page.inner_text("main")
    shot(page, "workbench-upper")
    page.click("nav.nav a[href='/inbox/']")
    page.locator("li", has_text="组织生活预警").locator("a", has_text="去处理").click()
    page.wait_for_url("**/alerts/?org=D1")
    groups = page.locator("table.alert-groups")
    assert "兴隆社区党支部" in groups.inner_text()
    groups.locator("a", has_text="兴隆社区党支部").click()
    page.wait_for_url("**/orgs/A/alerts/")
    assert "已逾期" in page.inner_text("table.alerts")
    page.goto("/orgs/D1/dashboard/")
    shot(page, "dashboard")


def test_administrator_imports_a_file_whose_preview_shows_a_changed_field(page, tree, admin_user, tmp_path):
    from members import importing

    rows = rows_of(3)
    importing.commit_roster(actor=None, system=True, roster=importing.parse_roster(xlsx_bytes(rows), "首次.xlsx"))
    rows[0]["手机号"] = "13900139000"
    upload = tmp_path / "名册更新.xlsx"
    upload.write_bytes(xlsx_bytes(rows))
    login(page, "admin")
    assert "系统管理" in page.inner_text("main")
    shot(page, "workbench-admin")
    page.locator("a", has_text="导入名册").first.click()
    page.set_input_files("#id_file", str(upload))
    page.click("button[type=submit]:has-text('上传并检查')")
    page.wait_for_selector("#import-preview")
    preview = page.inner_text("#import-preview")
    assert "手机号" in preview and "13800138000" in preview and "13900139000" in preview
    assert "未变化 2 行" in preview
    shot(page, "import-preview")


@pytest.fixture
def admin_user(tree):
    from branches import services as branch_services
    from tests.factories import UserFactory

    user = UserFactory(username="admin", first_name="管理员")
    branch_services.assign_role(actor=None, user=user, role=Role.ADMIN, org=None)
    return user
