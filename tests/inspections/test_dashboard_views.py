"""The dashboard pages: scoping, the drill-down (heat map → branches → obligations → meeting), the branch
table, the Excel exports, rankings, and the branch's own version."""

from datetime import date
from io import BytesIO

import pytest
import time_machine
from openpyxl import load_workbook

from branches import services as branch_services
from inspections.models import DashboardSetting
from meetings import rollup
from meetings.models import ComplianceSummary, Kind
from tests.conftest import _user_with_role
from tests.factories import make_member, make_org
from tests.meetings.conftest import local

pytestmark = pytest.mark.django_db

NOW = local(2026, 5, 20, 10, 0)


@pytest.fixture
def data(tree, record):
    """A2 keeps every 主题党日 and 党员大会; A misses March; B (another district) misses everything."""
    for code in ("a", "a2", "b"):
        make_member(tree[code], name=f"{code}党员")
    for code in ("a", "a2"):
        record(tree[code], [Kind.PARTY_LECTURE], local(2026, 2, 20, 9))
    for month in (1, 2, 3, 4):
        record(tree["a2"], [Kind.THEME_DAY, Kind.BRANCH_ASSEMBLY], local(2026, month, 6, 9))
        if month != 3:
            record(tree["a"], [Kind.THEME_DAY, Kind.BRANCH_ASSEMBLY], local(2026, month, 6, 9))
    with time_machine.travel(NOW, tick=False):
        rollup.rebuild(now=NOW, years=[2026])
        yield tree


@pytest.fixture
def as_viewer(client, viewer):
    client.force_login(viewer)
    return client


def test_the_district_dashboard_shows_its_children_and_only_its_subtree(as_viewer, data):
    page = as_viewer.get("/orgs/D1/dashboard/")
    html = page.content.decode()
    assert page.status_code == 200 and "组织生活督导看板" in html
    assert "兴隆社区党支部" in html and "街道机关第一党支部" in html
    assert "幸福村党支部" not in html  # district 2's branch
    assert page.context["dash"].source == "rollup"
    assert [c.org.code for c in page.context["dash"].children] == ["A", "G1"]


def test_outsiders_get_404_and_members_403(client, data, secretary_b, member_a):
    client.force_login(secretary_b)
    assert client.get("/orgs/D1/dashboard/").status_code == 404
    assert client.get("/orgs/D1/dashboard/compliance.xlsx").status_code == 404
    client.force_login(member_a)
    assert client.get("/orgs/A/dashboard/").status_code == 403


def test_a_bad_date_is_a_400_page_with_a_message(as_viewer, data):
    page = as_viewer.get("/orgs/D1/dashboard/?at=2026-02-30")
    assert page.status_code == 400 and "日期“2026-02-30”无效" in page.content.decode()
    assert as_viewer.get("/orgs/D1/dashboard/compliance.xlsx?year=x").status_code == 400
    assert as_viewer.get("/orgs/D1/dashboard/nothing.xlsx").status_code == 404


def test_a_red_cell_leads_to_the_branches_behind_it_then_to_the_obligation_and_the_meeting(as_viewer, data):
    dash = as_viewer.get("/orgs/D1/dashboard/").context["dash"]
    g1 = next(c for c in dash.children if c.org.code == "G1")
    a = next(c for c in dash.children if c.org.code == "A")
    assert a.cells[2].state == "overdue" and a.cells[2].count == 2  # March: 主题党日 and 党员大会
    assert g1.cells[2].state == "met"
    html = as_viewer.get("/orgs/D1/dashboard/").content.decode()
    cell_link = "/orgs/A/compliance/?year=2026&amp;at=2026-05-20&amp;month=3&amp;state=overdue#obligations"
    assert cell_link in html
    obligations = as_viewer.get("/orgs/A/compliance/?year=2026&at=2026-05-20&month=3&state=overdue")
    rows = obligations.context["rows"]
    assert {s.kind for s, _counted, _others in rows} == {"theme_day", "branch_assembly"}
    assert all(s.state == "overdue" for s, _c, _o in rows)
    april = as_viewer.get("/orgs/A/compliance/?year=2026&month=4&kind=theme_day").context["rows"]
    (state, counted, _others), = april
    assert state.state == "met" and len(counted) == 1
    assert f"/meetings/{counted[0].pk}/" in as_viewer.get("/orgs/A/compliance/?year=2026&month=4").content.decode()
    assert as_viewer.get(f"/meetings/{counted[0].pk}/").status_code == 200


def test_a_cell_of_a_child_organization_filters_the_branch_table(client, admin_user, data):
    client.force_login(admin_user)
    html = client.get("/orgs/CITY/dashboard/").content.decode()
    assert "/orgs/D1/dashboard/?year=2026&amp;at=2026-05-20&amp;month=3&amp;month_state=overdue#branches" in html
    page = client.get("/orgs/D1/dashboard/?month=3&month_state=overdue")
    assert [line.org.code for line in page.context["table"].object_list] == ["A"]


def test_the_branch_table_filters_sorts_and_pages(client, admin_user, data):
    client.force_login(admin_user)
    table = client.get("/orgs/CITY/dashboard/?state=overdue").context["table"]
    assert {line.org.code for line in table.object_list} == {"A", "B"}
    table = client.get("/orgs/CITY/dashboard/?state=compliant").context["table"]
    assert [line.org.code for line in table.object_list] == ["A2"]
    table = client.get("/orgs/CITY/dashboard/?sort=-rate").context["table"]
    rates = [line.rate for line in table.object_list]
    assert rates == sorted(rates, reverse=True) and table.object_list[0].org.code == "A2"
    assert [line.org.code for line in client.get("/orgs/CITY/dashboard/?sector=rural").context["table"]] == ["B"]
    assert [line.org.code for line in client.get("/orgs/CITY/dashboard/?q=兴隆").context["table"]] == ["A"]
    kind = client.get("/orgs/CITY/dashboard/?kind=theme_day&sort=overdue").context["table"].object_list
    assert [(line.org.code, line.overdue) for line in kind][:2] == [("A2", 0), ("A", 1)]
    for i in range(60):
        make_org(f"X{i}", parent=data["d2"], name=f"新支部{i:02d}")
    rollup.rebuild(now=NOW, years=[2026])
    page = client.get("/orgs/CITY/dashboard/?sort=name&page=2").context["table"]
    assert page.number == 2 and len(page.object_list) == 13 and page.paginator.count == 63


def test_the_table_is_the_same_from_the_rollup_and_from_the_engine(client, admin_user, data):
    client.force_login(admin_user)
    params = ["", "?state=overdue", "?sort=-rate", "?kind=branch_assembly&sort=-overdue", "?month=3&month_state=overdue"]
    stored = {p: [(line.org.code, line.rate, line.overdue, line.state) for line in
                  client.get(f"/orgs/CITY/dashboard/{p}").context["table"].object_list] for p in params}
    overdue = [(o.branch.code, o.kind, o.period_start) for o in client.get("/orgs/CITY/dashboard/").context["overdue"]]
    ComplianceSummary.objects.all().delete()
    for p in params:
        page = client.get(f"/orgs/CITY/dashboard/{p}")
        assert page.context["dash"].source == "live"
        assert [(line.org.code, line.rate, line.overdue, line.state) for line in page.context["table"].object_list] == stored[p], p
    assert [(o.branch.code, o.kind, o.period_start) for o in client.get("/orgs/CITY/dashboard/").context["overdue"]] == overdue


def _sheet(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(BytesIO(response.content))
    return [[cell for cell in row] for row in book.active.iter_rows()]


def test_exports_have_chinese_headers_and_only_the_subtree(as_viewer, data):
    rows = _sheet(as_viewer.get("/orgs/D1/dashboard/compliance.xlsx"))
    assert [c.value for c in rows[0]][:6] == ["党支部", "组织代码", "上级党组织", "所属领域", "书记", "状态"]
    assert sorted(r[1].value for r in rows[1:]) == ["A", "A2"]
    rows = _sheet(as_viewer.get("/orgs/D1/dashboard/attendance.xlsx"))
    assert rows[0][-1].value == "出勤率" and sorted(r[1].value for r in rows[1:]) == ["A", "A2"]
    rows = _sheet(as_viewer.get("/orgs/D1/dashboard/overdue.xlsx"))
    assert [c.value for c in rows[0]][:3] == ["党支部", "组织代码", "事项"]
    assert {r[1].value for r in rows[1:]} == {"A"} and {r[2].value for r in rows[1:]} >= {"主题党日"}
    filtered = _sheet(as_viewer.get("/orgs/D1/dashboard/compliance.xlsx?state=compliant"))
    assert [r[1].value for r in filtered[1:]] == ["A2"]


def test_exports_write_formula_like_names_as_text(client, admin_user, data):
    branch_services.update_organization(actor=admin_user, org=data["a"], name='=HYPERLINK("http://x","y")')
    client.force_login(admin_user)
    rows = _sheet(client.get("/orgs/D1/dashboard/compliance.xlsx"))
    cells = [r[0] for r in rows[1:] if str(r[0].value).startswith("=")]
    assert cells and all(c.data_type == "s" for c in cells)


def test_no_ranking_unless_the_upper_level_turns_it_on(client, data, organizer, viewer):
    client.force_login(viewer)
    page = client.get("/orgs/D1/dashboard/")
    assert not page.context["dash"].ranking and "排名" not in page.content.decode()
    assert client.post("/orgs/D1/dashboard/ranking/", {"enabled": "1"}).status_code == 403  # a viewer may not
    client.force_login(organizer)
    assert client.post("/orgs/D1/dashboard/ranking/", {"enabled": "1"}).status_code == 302
    assert DashboardSetting.objects.get(org=data["d1"]).ranking_enabled
    client.force_login(viewer)
    page = client.get("/orgs/D1/dashboard/")
    assert page.context["dash"].ranking
    ranks = {line.org.code: line.rank for line in page.context["table"].object_list}
    assert ranks == {"A2": 1, "A": 2}
    assert {c.org.code: c.rank for c in page.context["dash"].children} == {"G1": 1, "A": 2}
    assert client.get("/orgs/G1/dashboard/").context["dash"].ranking  # the subtree follows D1's choice
    rows = _sheet(client.get("/orgs/D1/dashboard/compliance.xlsx"))
    assert rows[0][-1].value == "排名"
    client.force_login(organizer)
    outsider_org = make_org("D3", kind="party_committee", parent=data["city"])
    assert client.post(f"/orgs/{outsider_org.code}/dashboard/ranking/", {"enabled": "1"}).status_code == 404


def test_the_secretary_sees_this_months_obligations_first(client, data, secretary_a):
    client.force_login(secretary_a)
    page = client.get("/orgs/A/dashboard/")
    html = page.content.decode()
    assert page.status_code == 200 and "本月应完成的组织生活" in html
    assert html.index("本月应完成的组织生活") < html.index("各类组织生活完成情况")
    assert any(s.period.start == date(2026, 5, 1) for s in page.context["obligations"])
    assert page.context["table"] is None and page.context["dash"].children == []
    assert client.get("/orgs/D1/dashboard/").status_code == 404


def test_a_general_branch_viewer_cannot_reach_outside_its_subtree(client, data):
    user = _user_with_role("g1_viewer", "viewer", data["g1"])
    client.force_login(user)
    page = client.get("/orgs/G1/dashboard/")
    assert page.status_code == 200 and "兴隆社区党支部" not in page.content.decode()
    assert client.get("/orgs/D1/dashboard/").status_code == 404
    rows = _sheet(client.get("/orgs/G1/dashboard/compliance.xlsx"))
    assert [r[1].value for r in rows[1:]] == ["A2"]
    assert client.get("/orgs/A/compliance/").status_code == 404


def test_the_dashboards_show_campaign_progress(client, data, secretary_a, viewer):
    client.force_login(secretary_a)
    page = client.get("/orgs/A/dashboard/")
    assert "2026年专项工作" in page.content.decode() and page.context["campaigns"].life_meeting_label == "未开展"
    client.force_login(viewer)
    kinds = [line.kind for line in client.get("/orgs/D1/dashboard/").context["dash"].kinds]
    assert {"life_meeting", "member_review", "heart_talks"} <= set(kinds)  # met by completed campaigns (reviews/)
