"""Set-based compliance evaluation over the city data set, next to the bare SQL aggregate it runs.

    uv run python bench/compliance.py          (builds the city database first if needed)
"""

from city import ensure_city
from common import machine, timed, write_section

seeded = ensure_city()

from django.db import connection  # noqa: E402  (Django is set up by ensure_city)
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from branches.models import Organization  # noqa: E402
from meetings.compliance import compliance_for_branch, compliance_for_branches, held_queries  # noqa: E402
from meetings.models import Meeting  # noqa: E402
from meetings.policy import RuleBook  # noqa: E402

now = timezone.now()
year = timezone.localdate(now).year
branches = list(Organization.objects.filter(kind="branch").order_by("path"))
ids = [b.pk for b in branches]
meetings = Meeting.objects.count()
attendance = connection.cursor()
attendance.execute("SELECT count(*) FROM meetings_attendance")
attendance_rows = attendance.fetchone()[0]


def bare_sql():
    """The engine's grouped held-meeting queries (per kind, and the ≥ 12 total over its counted kinds), executed raw: the SQL floor with no Python around it."""
    rows = 0
    with connection.cursor() as cursor:
        for qs in held_queries(ids, year=year, now=now, counted=RuleBook.load().counted_kind_sets):
            sql, params = qs.query.sql_with_params()
            cursor.execute(sql, params)
            rows += len(cursor.fetchall())
    return rows


bare_ms, bare_runs, group_rows = timed(bare_sql)
eval_ms, eval_runs, result = timed(lambda: compliance_for_branches(branches, year=year, now=now))
rule_periods = sum(len(v) for v in result.values())
with CaptureQueriesContext(connection) as ctx:
    compliance_for_branches(branches, year=year, now=now)
queries_city = len(ctx.captured_queries)
with CaptureQueriesContext(connection) as ctx:
    compliance_for_branches(branches[:50], year=year, now=now)
queries_50 = len(ctx.captured_queries)
n1_ms, _runs, _ = timed(lambda: [compliance_for_branch(b, year=year, now=now) for b in branches[:50]], repeat=3)

client = Client()
from django.contrib.auth import get_user_model  # noqa: E402

client.force_login(get_user_model().objects.get(username="city_viewer"))
api_ms, api_runs, response = timed(lambda: client.get("/api/v1/orgs/LJ/compliance/?page_size=100"), repeat=9)
assert response.status_code == 200, response.content[:200]

body = f"""Run {timezone.localtime(now):%Y-%m-%d %H:%M} on {machine()}. City data set: {len(branches):,} branches,
{Organization.objects.count() - len(branches):,} committees, {meetings:,} meetings, {attendance_rows:,} attendance rows
(`seed_demo --branches 5000 --members-per-branch 20 --months 12`{"" if seeded is None else f"; seeded in {seeded:.0f} s"}).
Medians of 5 runs after a warm-up; the reference is measured in the same run.

| What | Median | Runs (ms) | Notes |
|---|---|---|---|
| Bare SQL aggregate (the grouped held-meeting queries, raw cursor) | {bare_ms:.0f} ms | {", ".join(f"{r:.0f}" for r in bare_runs)} | {group_rows:,} grouped rows |
| `compliance_for_branches`, all {len(branches):,} branches, year {year} | {eval_ms:.0f} ms | {", ".join(f"{r:.0f}" for r in eval_runs)} | {rule_periods:,} rule-periods; **{eval_ms / bare_ms:.1f}× the bare aggregate** |
| SQL queries: city vs 50 branches | {queries_city} vs {queries_50} | | constant in the number of branches |
| Per-branch loop (`compliance_for_branch` × 50) | {n1_ms:.0f} ms | | ≈ {n1_ms / 50 * len(branches) / 1000:.0f} s extrapolated to the city: the N+1 form |
| `GET /api/v1/orgs/LJ/compliance/?page_size=100` (city viewer, in-process) | {api_ms:.0f} ms | {", ".join(f"{r:.0f}" for r in api_runs)} | one page of 100 branches |

Goal (design.md): city dashboard server time p50 ≤ 150 ms and ≤ 3× the bare SQL aggregate; the
dashboard itself comes with a later issue, this measures the engine it will call.
"""
write_section("Compliance evaluation (city data set)", body)
print(body)
