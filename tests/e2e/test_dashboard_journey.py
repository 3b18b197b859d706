"""An upper-level organization department opens its dashboard, clicks a red heat-map cell, lands on the
branch's overdue obligation, then on a meeting record; its Excel export has Chinese headers and only
its subtree's rows."""

import os
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from meetings import rollup, services
from meetings.models import Kind, Meeting
from meetings.periods import local_midnight
from tests.e2e.conftest import login
from tests.factories import make_member

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = Path(os.environ.get("E2E_SCREENSHOTS", "var/screenshots"))


def _held(branch, kinds, day, topic):
    held_at = local_midnight(day) + timedelta(hours=9)
    return services.record_meeting(actor=None, branch=branch, kinds=kinds, held_at=held_at, topic=topic, now=held_at)


def test_from_a_red_cell_to_the_overdue_obligation_and_a_meeting_record(page, phone, tree, organizer):
    today = timezone.localdate()
    month_start = (today.replace(day=1) - timedelta(days=40)).replace(day=1)  # two months back: overdue by now
    for code in ("a", "a2", "b"):
        make_member(tree[code], name=f"{code}党员")
    _held(tree["a2"], [Kind.THEME_DAY, Kind.BRANCH_ASSEMBLY], month_start + timedelta(days=4), "主题党日")
    lecture = _held(tree["a"], [Kind.PARTY_LECTURE], month_start + timedelta(days=9), "专题党课")  # not a 主题党日
    rollup.rebuild(now=timezone.now(), years=[month_start.year])
    year = month_start.year

    login(page, "organizer_d1")
    page.goto(f"/orgs/D1/dashboard/?year={year}")
    assert "组织生活督导看板" in page.inner_text("h1")
    assert "幸福村党支部" not in page.content()  # another district's branch
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "dashboard-desktop.png"), full_page=True)

    cell = page.locator(f"#heatmap td.heat-overdue a[href*='/orgs/A/compliance/'][href*='month={month_start.month}&']")
    cell.click()
    page.wait_for_url(f"**/orgs/A/compliance/**month={month_start.month}**")
    theme_row = page.locator("tr.state-overdue", has_text="主题党日")
    assert "已逾期" in theme_row.inner_text()
    theme_row.locator(f"a[href='/meetings/{lecture.pk}/']").click()  # the period's other meeting
    page.wait_for_url(f"**/meetings/{lecture.pk}/")
    assert "专题党课" in page.content()

    page.goto(f"/orgs/D1/dashboard/?year={year}")
    with page.expect_download() as download:
        page.click("text=导出完成情况表")
    book = load_workbook(BytesIO(Path(download.value.path()).read_bytes()))
    sheet = book.active
    header = [c.value for c in sheet[1]]
    assert header[:6] == ["党支部", "组织代码", "上级党组织", "所属领域", "书记", "状态"]
    assert sorted(row[1] for row in sheet.iter_rows(min_row=2, values_only=True)) == ["A", "A2"]
    assert Meeting.objects.count() == 2

    login(phone, "organizer_d1")
    phone.goto(f"/orgs/D1/dashboard/?year={year}")
    assert phone.locator("#heatmap").is_visible()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1, f"the page is {width}px wide on a 390px phone"
    phone.screenshot(path=str(SHOTS / "dashboard-phone.png"), full_page=True)
