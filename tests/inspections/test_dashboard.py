"""The dashboard API (the contract of design.md and issue 10), its figures against the engine's, both of
its sources, scoping, bad input, and a query count that does not grow with the subtree."""

import io
from collections import Counter
from datetime import date

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from branches.models import Organization
from meetings import rollup
from meetings.compliance import State, compliance_for_branches
from meetings.models import Attendance, ComplianceSummary, Meeting
from meetings.periods import end_of_day, local_midnight
from meetings.rollup import Figures, sum_up
from tests.meetings.conftest import local

pytestmark = pytest.mark.django_db

TODAY = date(2026, 5, 20)
NOW = local(2026, 5, 20, 10, 0)
FIELDS = {"org", "year", "at", "branches", "members", "compliant_branches", "attendance_rate", "kinds", "alerts",
          "children", "months"}
KIND_FIELDS = {"kind", "periods", "met", "met_late", "late", "overdue", "rate"}
CHILD_FIELDS = {"code", "name", "kind", "branches", "compliant_branches", "overdue", "rate"}


@pytest.fixture
def pinned():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def seeded(pinned, tree):
    """seed_demo's city in small (its own tree beside the personas' one), and the rollup rebuilt."""
    call_command("seed_demo", branches=14, members_per_branch=5, months=6, seed=7, stdout=io.StringIO())
    rollup.rebuild(now=NOW, years=[2025, 2026])
    return Organization.objects.get(code="LJ")


def expected_from_engine(branches, *, year, at):
    """The contract's figures counted straight from the engine's states and the records (no rollup code)."""
    instant = end_of_day(at)
    states = compliance_for_branches(branches, year=year, now=instant)
    result = {}
    for branch in branches:
        ended = [s for s in states[branch.pk] if local_midnight(s.period.end) <= instant
                 and s.state not in (State.EXEMPT, State.NOT_APPLICABLE)]
        kinds = {}
        for s in ended:
            k = kinds.setdefault(s.kind, Counter())
            k["periods"] += 1
            k["met"] += s.state in (State.MET, State.MET_LATE)
            k["met_late"] += s.state == State.MET_LATE
            k["late"] += s.state == State.LATE
            k["overdue"] += s.state == State.OVERDUE
        marks = Counter(Attendance.objects.filter(
            meeting__branch=branch, meeting__status=Meeting.Status.HELD, meeting__held_at__year=year,
            meeting__held_at__lte=instant, meeting__recorded_at__lte=instant).values_list("status", flat=True))
        expected = sum(marks.values())
        overdue_months = {s.period.last_day.month for s in states[branch.pk] if s.state == State.OVERDUE}
        result[branch.pk] = {
            "kinds": kinds, "overdue": sum(k["overdue"] for k in kinds.values()),
            "compliant": all(s.state != State.OVERDUE for s in states[branch.pk]),
            "attendance_rate": marks["present"] / expected if expected else None, "marks": marks,
            "overdue_months": overdue_months,
        }
    return result


def test_the_answer_has_exactly_the_contracts_fields(api, viewer, tree, pinned):
    rollup.rebuild(now=NOW, years=[2026])
    data = api.as_(viewer).get("/api/v1/orgs/D1/dashboard/?year=2026&at=2026-05-20").json()
    assert set(data) >= FIELDS
    assert data["org"] == "D1" and data["year"] == 2026 and data["at"] == "2026-05-20"
    assert all(set(k) >= KIND_FIELDS for k in data["kinds"])
    assert [c["code"] for c in data["children"]] == ["A", "G1"]
    assert all(set(c) >= CHILD_FIELDS for c in data["children"])
    assert [m["month"] for m in data["months"]] == list(range(1, 13))
    assert set(data["alerts"]) >= {"meeting_overdue", "member_absent", "term_expiring"}


def test_every_branchs_figures_equal_the_engines(api, admin_user, seeded):
    branches = list(Organization.objects.filter(seeded.subtree_filter(), kind="branch").order_by("pk"))
    engine = expected_from_engine(branches, year=2026, at=TODAY)
    client = api.as_(admin_user)
    for branch in branches:
        data = client.get(f"/api/v1/orgs/{branch.code}/dashboard/?year=2026&at=2026-05-20").json()
        assert data["source"] == "rollup"
        want = engine[branch.pk]
        for line in data["kinds"]:
            got = {key: line[key] for key in ("periods", "met", "met_late", "late", "overdue")}
            assert got == {key: want["kinds"].get(line["kind"], Counter())[key] for key in got}, (branch.code, line)
            periods = want["kinds"].get(line["kind"], Counter())["periods"]
            assert line["rate"] == (want["kinds"][line["kind"]]["met"] / periods if periods else None)
        assert data["compliant_branches"] == int(want["compliant"]) and data["branches"] == 1
        assert data["attendance_rate"] == want["attendance_rate"]
        assert [m["overdue_branches"] for m in data["months"]] == [int(m in want["overdue_months"]) for m in range(1, 13)]
    root = client.get("/api/v1/orgs/LJ/dashboard/?year=2026&at=2026-05-20").json()
    assert root["branches"] == len(branches)
    assert root["compliant_branches"] == sum(w["compliant"] for w in engine.values())
    assert sum(line["overdue"] for line in root["kinds"]) == sum(w["overdue"] for w in engine.values())
    assert root["months"] == [{"month": m, "overdue_branches": sum(m in w["overdue_months"] for w in engine.values())}
                              for m in range(1, 13)]
    present = sum(w["marks"]["present"] for w in engine.values())
    assert root["attendance_rate"] == present / sum(sum(w["marks"].values()) for w in engine.values())
    for child in root["children"]:
        under = [b for b in branches if f"/{Organization.objects.get(code=child['code']).pk}/" in b.path]
        assert child["branches"] == len(under)
        assert child["overdue"] == sum(engine[b.pk]["overdue"] for b in under)


def test_the_rollup_and_the_engine_give_the_same_dashboard(api, admin_user, seeded):
    client = api.as_(admin_user)
    stored = client.get("/api/v1/orgs/LJ/dashboard/?year=2026").json()
    ComplianceSummary.objects.all().delete()
    live = client.get("/api/v1/orgs/LJ/dashboard/?year=2026").json()
    assert (stored["source"], live["source"]) == ("rollup", "live")
    for key in ("source", "as_of"):
        stored.pop(key), live.pop(key)
    assert stored == live


def test_an_earlier_date_is_computed_as_it_stood_then(api, admin_user, seeded):
    client = api.as_(admin_user)
    earlier = client.get("/api/v1/orgs/LJ/dashboard/?year=2026&at=2026-03-31").json()
    assert earlier["source"] == "live" and earlier["at"] == "2026-03-31"
    branches = list(Organization.objects.filter(seeded.subtree_filter(), kind="branch"))
    engine = expected_from_engine(branches, year=2026, at=date(2026, 3, 31))
    assert sum(line["periods"] for line in earlier["kinds"]) == sum(
        k["periods"] for w in engine.values() for k in w["kinds"].values())
    last_year = client.get("/api/v1/orgs/LJ/dashboard/?year=2025").json()
    assert last_year["source"] == "rollup" and last_year["at"] == "2026-05-20"  # 2025 is settled: stored


def test_today_is_the_default_and_year_follows_at(api, viewer, tree, pinned):
    data = api.as_(viewer).get("/api/v1/orgs/D1/dashboard/").json()
    assert (data["year"], data["at"]) == (2026, "2026-05-20")
    data = api.as_(viewer).get("/api/v1/orgs/D1/dashboard/?at=2025-12-31").json()
    assert (data["year"], data["at"]) == (2025, "2025-12-31")


@pytest.mark.parametrize(("query", "field", "words"), [
    ("year=abcd", "year", "年度“abcd”无效"),
    ("year=1999", "year", "2000 至 2100"),
    ("at=2026-13-01", "at", "日期“2026-13-01”无效"),
    ("at=9999-12-31", "at", "超出范围"),
    ("at=20260520", "at", "YYYY-MM-DD"),
])
def test_bad_year_or_date_is_a_400_with_a_chinese_message(api, viewer, tree, query, field, words):
    response = api.as_(viewer).get(f"/api/v1/orgs/D1/dashboard/?{query}")
    assert response.status_code == 400
    assert words in response.json()[field][0]


def test_outsiders_get_404_and_members_403(api, tree, secretary_b, viewer, member_a, secretary_a):
    assert api.as_(secretary_b).get("/api/v1/orgs/D1/dashboard/").status_code == 404
    assert api.as_(viewer).get("/api/v1/orgs/D2/dashboard/").status_code == 404  # a sibling district
    assert api.as_(viewer).get("/api/v1/orgs/CITY/dashboard/").status_code == 404  # above the viewer
    assert api.as_(member_a).get("/api/v1/orgs/A/dashboard/").status_code == 403  # may open the branch, not its figures
    assert api.as_(secretary_a).get("/api/v1/orgs/A/dashboard/").status_code == 200
    api.force_authenticate(user=None)
    assert api.get("/api/v1/orgs/D1/dashboard/").status_code in (401, 403)


def test_a_general_branch_viewer_sees_only_its_subtree(api, tree, pinned):
    from tests.conftest import _user_with_role

    g1_viewer = _user_with_role("viewer_g1", "viewer", tree["g1"])
    rollup.rebuild(now=NOW, years=[2026])
    data = api.as_(g1_viewer).get("/api/v1/orgs/G1/dashboard/").json()
    assert data["branches"] == 1 and [c["code"] for c in data["children"]] == ["A2"]
    assert api.as_(g1_viewer).get("/api/v1/orgs/A/dashboard/").status_code == 404


def _bulk_tree(code: str, districts: int, branches_per_district: int, at: date) -> Organization:
    """A tree inserted in bulk, with stored figures that hold at `at` (no engine run)."""
    root = Organization.objects.create(code=code, name=f"{code}市委", kind="party_committee")
    root.path = f"/{root.pk}/"
    root.save()
    parents = Organization.objects.bulk_create([
        Organization(code=f"{code}D{i}", name=f"{code}区委{i}", kind="party_committee", parent=root, depth=1)
        for i in range(districts)])
    for parent in parents:
        parent.path = f"{root.path}{parent.pk}/"
    Organization.objects.bulk_update(parents, ["path"])
    Organization.objects.bulk_create([
        Organization(code=f"{code}B{i}-{j}", name=f"{code}支部{i}-{j}", kind="branch", parent=parent, depth=2,
                     sector="community")
        for i, parent in enumerate(parents) for j in range(branches_per_district)], batch_size=2000)
    with connection.cursor() as cursor:  # one statement for the materialized paths (bulk_update is slow at 5,000)
        cursor.execute("UPDATE branches_organization b SET path = p.path || b.id || '/' FROM branches_organization p "
                       "WHERE b.parent_id = p.id AND b.kind = 'branch' AND b.code LIKE %s", [f"{code}B%"])
    branches = list(Organization.objects.filter(code__startswith=f"{code}B", kind="branch"))
    figures = {b.pk: Figures(branches=1, compliant_branches=b.pk % 3 != 0, members=20, present=100, leave=5, absent=7,
                             kinds={"theme_day": [4, 3, 0, 0, 1 if b.pk % 3 == 0 else 0]},
                             months={3: {"overdue" if b.pk % 3 == 0 else "met": [1, 1]}}, as_of_min=at, as_of_max=at,
                             final=False) for b in branches}
    figures.update(sum_up(branches, figures))
    ComplianceSummary.objects.bulk_create([f.to_summary(org_id=org_id, year=at.year, now=NOW)
                                           for org_id, f in figures.items()], batch_size=2000)
    return root


def test_the_query_count_does_not_grow_with_the_subtree(client, api, admin_user, pinned):
    small, large = _bulk_tree("S", 5, 10, TODAY), _bulk_tree("L", 50, 100, TODAY)
    counts = {}
    for root in (small, large):
        api.as_(admin_user).get(f"/api/v1/orgs/{root.code}/dashboard/")  # warm the user's roles cache etc.
        with CaptureQueriesContext(connection) as ctx:
            data = api.as_(admin_user).get(f"/api/v1/orgs/{root.code}/dashboard/").json()
        assert data["source"] == "rollup"
        counts[root.code] = len(ctx.captured_queries)
    assert data["branches"] == 5000 and data["compliant_branches"] == sum(1 for b in Organization.objects.filter(
        path__startswith=large.path, kind="branch") if b.pk % 3 != 0)
    assert counts["S"] == counts["L"], counts
    client.force_login(admin_user)
    pages = {}
    for root in (small, large):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/orgs/{root.code}/dashboard/").status_code == 200
        pages[root.code] = len(ctx.captured_queries)
    assert pages["S"] == pages["L"], pages


def test_the_nightly_scan_rebuilds_the_rollup_and_takes_the_meeting_alerts_from_it(tree, record, pinned):
    from inspections import scanners
    from inspections.models import Alert
    from meetings.models import ComplianceRollup, Kind

    record(tree["a"], [Kind.THEME_DAY], local(2026, 2, 6, 9))
    scanners.scan_compliance(now=NOW)
    summary = ComplianceSummary.objects.get(org=tree["city"], year=2026)
    assert summary.as_of_max == TODAY and summary.branches == 3
    alerts = set(Alert.objects.filter(kind__in=["meeting_overdue", "meeting_due_soon"], closed_at__isnull=True)
                 .values_list("org_id", "period_start", "explanation"))
    rows = set(ComplianceRollup.objects.filter(state__in=["overdue", "late", "due_soon"])
               .values_list("branch_id", "period_start", "explanation"))
    assert alerts == rows and alerts
