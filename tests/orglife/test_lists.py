"""Lists an organization department can use: the tree with each organization's state, alerts grouped by
organization with an organization picker."""

from datetime import date, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from branches.models import Organization
from inspections.models import Alert
from tests.factories import make_org

NOW = timezone.now()


def _alert(org, level=Alert.Level.SERIOUS, subject="s", kind=Alert.Kind.MEETING_OVERDUE):
    return Alert.objects.create(kind=kind, org=org, level=level, subject=subject, explanation="逾期", opened_at=NOW)


def _row(page: str, name: str) -> str:
    start = page.index(name)
    return page[page.rindex("<tr", 0, start):page.index("</tr>", start)]


def test_org_tree_shows_overdue_counts_of_each_subtree_and_terms(client, tree, viewer):
    _alert(tree["a"], subject="1")
    _alert(tree["a2"], subject="2")
    _alert(tree["a2"], subject="3", level=Alert.Level.WARNING)
    today = timezone.localdate()
    Organization.objects.filter(pk=tree["a"].pk).update(term_start=today - timedelta(days=1000),
                                                        term_end=today - timedelta(days=3))
    Organization.objects.filter(pk=tree["a2"].pk).update(term_start=today - timedelta(days=1000),
                                                         term_end=today + timedelta(days=30))
    client.force_login(viewer)
    page = client.get("/orgs/").content.decode()
    assert "2 项" in _row(page, "中共临江市江城区委")  # its subtree: A and A2
    branch_a = _row(page, "兴隆社区党支部")
    assert "已届满" in branch_a and "state-bad" in branch_a
    a2 = _row(page, "街道机关第一党支部")
    assert "即将届满" in a2 and "1 项" in a2
    assert "幸福村党支部" not in page  # outside the viewer's subtree


def test_org_tree_query_count_is_constant(client, tree, viewer):
    client.force_login(viewer)
    Organization.objects.filter(pk=tree["a"].pk).update(term_start=date(2020, 1, 1), term_end=date(2023, 1, 1))
    with CaptureQueriesContext(connection) as few:
        client.get("/orgs/")
    for i in range(8):
        org = make_org(f"X{i}", parent=tree["d1"], name=f"新党支部{i}")
        Organization.objects.filter(pk=org.pk).update(term_start=date(2020, 1, 1), term_end=date(2023, 1, 1))
        _alert(org, subject=f"x{i}")
    with CaptureQueriesContext(connection) as many:
        assert "新党支部7" in client.get("/orgs/").content.decode()
    assert len(many.captured_queries) == len(few.captured_queries)


def test_alert_list_groups_by_organization_with_counts_and_picker(client, tree, viewer):
    for i in range(3):
        _alert(tree["a"], subject=f"a{i}")
    _alert(tree["a2"], subject="b", level=Alert.Level.WARNING)
    _alert(tree["b"], subject="outside")
    client.force_login(viewer)
    page = client.get("/alerts/").content.decode()
    groups = page[page.index("按党组织"):page.index("</table>", page.index("按党组织"))]
    assert groups.index("兴隆社区党支部") < groups.index("街道机关第一党支部")  # most alerts first
    assert "<b>3</b>" in _row(groups, "兴隆社区党支部") and "幸福村党支部" not in groups
    picker = page[page.index('<select name="org"'):page.index("</select>", page.index('<select name="org"'))]
    assert '<option value="D1"' in picker and '<option value="G1"' in picker and "D2" not in picker
    filtered = client.get("/alerts/", {"org": "G1"}).content.decode()
    assert "街道机关第一党支部" in filtered and "兴隆社区党支部" not in filtered.split("按党组织")[1]


def test_outsider_cannot_pick_another_organization(client, tree, secretary_b):
    client.force_login(secretary_b)
    assert client.get("/alerts/", {"org": "D1"}).status_code == 404
    assert "中共临江市江城区委" not in client.get("/orgs/").content.decode()
