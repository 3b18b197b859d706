"""The dashboards over the city data set, in one run: the rollup's full rebuild, the dashboard API and
page server time for the city, a district and a 党总支 next to the bare SQL, a logged meeting reaching
the dashboard, and a load run (locust, 50 users) against gunicorn.

    uv run python bench/dashboard.py [--skip-load]

Reads the city database (bench/city.py, or BENCH_CITY_DB) only as a template: the run writes (the
rollup, a logged meeting), so it works in a copy, `orglife_bench_dashboard` (BENCH_DASHBOARD_DB),
re-created on every run.
"""

import csv as csvlib
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

from common import CITY_DB, ROOT, copy_database, machine, timed, use_database, write_section

DASH_DB = os.environ.get("BENCH_DASHBOARD_DB", "orglife_bench_dashboard")
BASE = os.environ.get("BENCH_PG", "postgres://postgres:postgres@127.0.0.1:5432")
PORT = int(os.environ.get("BENCH_DASHBOARD_PORT", "8711"))
USERS, SPAWN_RATE, DURATION = 50, 5, "90s"
# keep-alive longer than a user's think time, as a proxy in front would (a connection gunicorn closed after
# its default 2 s would come back to the client as an error on the next click)
GUNICORN = ["--workers", "2", "--threads", "4", "--worker-class", "gthread", "--graceful-timeout", "5", "--keep-alive", "10"]


copy_seconds = copy_database(CITY_DB, DASH_DB)
# gunicorn runs with DEBUG off, which refuses the repository's development keys: this run's own SECRET_KEY
# (here too, so the sessions opened here verify there) and ID-number keys. The pages the load run visits
# never decrypt an ID number (the roster shows the stored last four); one that did would fail visibly.
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
use_database(DASH_DB)

from cryptography.fernet import Fernet  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

call_command("migrate", verbosity=0)
with connection.cursor() as cursor:
    cursor.execute("ANALYZE")  # the copy of a bulk-loaded database has no planner statistics (bench/scan.py)

from branches.models import Organization  # noqa: E402
from core.bulk import chunks  # noqa: E402
from inspections.dashboard import dashboard_for  # noqa: E402
from meetings import rollup, services  # noqa: E402
from meetings.compliance import State, compliance_for_branches  # noqa: E402
from meetings.models import ComplianceRollup, Kind  # noqa: E402
from meetings.periods import local_midnight  # noqa: E402

now = timezone.now()
today = timezone.localdate(now)
year = today.year
load_before = ", ".join(f"{x:.1f}" for x in os.getloadavg())


def fmt(runs):
    return ", ".join(f"{r:.0f}" for r in runs)


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q * (len(values) - 1))))]


# --- the rebuild -----------------------------------------------------------------------------------
started = time.perf_counter()
default_result = rollup.rebuild(now=now, years=rollup.default_years(now))
default_ms = (time.perf_counter() - started) * 1000
rebuild_ms, rebuild_runs, rebuild_result = timed(lambda: rollup.rebuild(now=timezone.now(), years=[year]), repeat=3)
all_branches = list(Organization.objects.filter(kind="branch").order_by("pk"))
engine_ms, engine_runs, _ = timed(lambda: [compliance_for_branches(chunk, year=year, now=timezone.now())
                                           for chunk in chunks(all_branches, rollup.CHUNK)], repeat=2)
rows_by_state = dict(ComplianceRollup.objects.filter(year=year).values("state").annotate(n=Count("id"))
                     .values_list("state", "n"))

# --- targets ---------------------------------------------------------------------------------------
root = Organization.objects.get(code="LJ")
district = Organization.objects.filter(parent=root).order_by("code").first()
general = (Organization.objects.filter(path__startswith=district.path, kind="general_branch").order_by("code").first()
           or Organization.objects.filter(kind="general_branch").order_by("code").first())
targets = [("city", root), ("district", district), ("党总支", general)]
viewer = get_user_model().objects.get(username="city_viewer")
client = Client()
client.force_login(viewer)


def bare(sqls):
    def run():
        with connection.cursor() as cursor:
            for sql, params in sqls:
                cursor.execute(sql, params)
                cursor.fetchall()
    return run


GROUPED_SQL = """
SELECT split_part(o.path, '/', %s) AS child, count(*), sum(s.members), sum(s.present), sum(s.leave), sum(s.absent),
       sum(s.periods), sum(s.met), sum(s.met_late), sum(s.late), sum(s.overdue), count(*) FILTER (WHERE s.overdue = 0)
FROM meetings_compliancesummary s JOIN branches_organization o ON o.id = s.org_id
WHERE s.year = %s AND o.kind = 'branch' AND o.path LIKE %s GROUP BY 1"""
KIND_SQL = """
SELECT r.kind, r.state, extract(month FROM r.period_end), count(*), count(DISTINCT r.branch_id)
FROM meetings_compliancerollup r JOIN branches_organization o ON o.id = r.branch_id
WHERE r.year = %s AND o.path LIKE %s GROUP BY 1, 2, 3"""

rows = []
dashboards = {}
for label, org in targets:
    with CaptureQueriesContext(connection) as ctx:
        dash = dashboard_for(org, year=year, at=today)
    assert dash.source == "rollup", f"{label}: {dash.source}"
    dashboards[label] = dash
    own_queries = [(q["sql"], None) for q in ctx.captured_queries]
    own_ms, own_runs, _ = timed(bare(own_queries), repeat=15)
    grouped = [(GROUPED_SQL, [org.depth + 3, year, org.path + "%"]), (KIND_SQL, [year, org.path + "%"])]
    grouped_ms, grouped_runs, _ = timed(bare(grouped), repeat=9)
    api_ms = []
    page_ms = []
    for _ in range(3):  # warm-up
        client.get(f"/api/v1/orgs/{org.code}/dashboard/")
        client.get(f"/orgs/{org.code}/dashboard/")
    for _ in range(25):
        t = time.perf_counter()
        response = client.get(f"/api/v1/orgs/{org.code}/dashboard/")
        api_ms.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200
        t = time.perf_counter()
        response = client.get(f"/orgs/{org.code}/dashboard/")
        page_ms.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as api_ctx:
        client.get(f"/api/v1/orgs/{org.code}/dashboard/")
    with CaptureQueriesContext(connection) as page_ctx:
        client.get(f"/orgs/{org.code}/dashboard/")
    rows.append((label, org, dash, own_ms, len(own_queries), grouped_ms, statistics.median(api_ms), pct(api_ms, .95),
                 statistics.median(page_ms), pct(page_ms, .95), len(api_ctx.captured_queries),
                 len(page_ctx.captured_queries)))

# --- a logged meeting reaching the dashboard ---------------------------------------------------------
last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
overdue_row = (ComplianceRollup.objects.filter(year=last_month.year, state=State.OVERDUE, kind=Kind.THEME_DAY,
                                               period_start=last_month, branch__path__startswith=district.path)
               .select_related("branch").first())
if overdue_row is None:  # early in the year: any overdue 主题党日 of the district
    overdue_row = (ComplianceRollup.objects.filter(year=year, state=State.OVERDUE, kind=Kind.THEME_DAY,
                                                   branch__path__startswith=district.path)
                   .select_related("branch").order_by("-period_start").first())
branch = overdue_row.branch
before = client.get(f"/api/v1/orgs/{district.code}/dashboard/?year={overdue_row.year}").json()
held_at = local_midnight(overdue_row.period_start) + timedelta(days=14, hours=9)
t0 = time.perf_counter()
services.record_meeting(actor=None, branch=branch, kinds=[Kind.THEME_DAY], held_at=held_at, topic="补记：主题党日",
                        now=timezone.now())  # autocommit: its on-commit refresh runs before this returns
record_ms = (time.perf_counter() - t0) * 1000
visible_ms = None
while time.perf_counter() - t0 < 30:
    after = client.get(f"/api/v1/orgs/{district.code}/dashboard/?year={overdue_row.year}").json()
    if sum(k["overdue"] for k in after["kinds"]) == sum(k["overdue"] for k in before["kinds"]) - 1:
        visible_ms = (time.perf_counter() - t0) * 1000
        break
    time.sleep(0.05)
refresh_ms, refresh_runs, _ = timed(lambda: rollup.refresh_branches([branch.pk], now=timezone.now()), repeat=5)
with CaptureQueriesContext(connection) as refresh_ctx:
    rollup.refresh_branches([branch.pk], now=timezone.now())

# --- load: locust against gunicorn -------------------------------------------------------------------
load = None
if "--skip-load" not in sys.argv:
    var = Path(tempfile.mkdtemp(prefix="orglife-bench-"))
    env = {**os.environ, "DATABASE_URL": f"{BASE}/{DASH_DB}", "DEBUG": "false", "ALLOWED_HOSTS": "127.0.0.1",
           "SECRET_KEY": settings.SECRET_KEY,  # the sessions opened here must verify there
           "ID_NUMBER_ENCRYPTION_KEY": Fernet.generate_key().decode(),
           "ID_NUMBER_HMAC_KEY": secrets.token_urlsafe(32), "SECURE_SSL_REDIRECT": "false",
           "ORGLIFE_VAR_DIR": str(var), "DATABASE_CONN_MAX_AGE": "60", "LOG_LEVEL": "WARNING",
           "CSRF_TRUSTED_ORIGINS": f"https://127.0.0.1:{PORT}", "DJANGO_SETTINGS_MODULE": "orglife.settings"}
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    sessions = {}
    for username in ("city_viewer", "admin", "secretary_a"):  # signed in once here; locust reuses the sessions
        signed = Client()
        signed.force_login(get_user_model().objects.get(username=username))
        sessions[username] = signed.cookies["sessionid"].value
    target_file = var / "targets.json"
    branch_codes = list(Organization.objects.filter(kind="branch").order_by("?").values_list("code", flat=True)[:300])
    target_file.write_text(json.dumps({
        "root": root.code, "districts": list(Organization.objects.filter(parent=root).values_list("code", flat=True)),
        "general_branches": list(Organization.objects.filter(kind="general_branch").values_list("code", flat=True)),
        "branches": branch_codes, "own_branch": get_user_model().objects.get(username="secretary_a").org_roles
        .first().org.code, "sessions": sessions}))
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "orglife.wsgi:application", "--bind",
                               f"127.0.0.1:{PORT}", *GUNICORN, "--timeout", "60"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=open(var / "gunicorn.log", "w"))  # noqa: SIM115
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.3)
        csv = var / "locust"
        locust = subprocess.run(
            [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"), "--headless", "-u", str(USERS),
             "-r", str(SPAWN_RATE), "-t", DURATION, "--host", f"http://127.0.0.1:{PORT}", "--csv", str(csv),
             "--only-summary", "--reset-stats", "--stop-timeout", "15", "--loglevel", "WARNING"],
            cwd=ROOT, env={**env, "DASHBOARD_BENCH_TARGETS": str(target_file)}, capture_output=True, text=True)
        stats = list(csvlib.DictReader(open(f"{csv}_stats.csv", encoding="utf-8")))  # noqa: SIM115
        failures = list(csvlib.DictReader(open(f"{csv}_failures.csv", encoding="utf-8")))  # noqa: SIM115
        load = {"stats": stats, "failures": failures, "stderr": locust.stderr[-2000:],
                "server_errors": [line for line in (var / "gunicorn.log").read_text().splitlines()
                                  if "Error" in line or "Traceback" in line][:20]}
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()

# --- results ---------------------------------------------------------------------------------------
load_after = ", ".join(f"{x:.1f}" for x in os.getloadavg())
city = dashboards["city"].figures
body = f"""Run {timezone.localtime(now):%Y-%m-%d %H:%M} on {machine()} (load average before: {load_before}; after: {load_after};
the machine is shared: compare each line with its reference of the same run), in `{DASH_DB}`, a copy of `{CITY_DB}`
made with `CREATE DATABASE … TEMPLATE` in {copy_seconds:.0f} s, then `migrate` and `ANALYZE`: {city.branches:,} branches,
{city.members:,} members, {city.present + city.leave + city.absent:,} attendance rows of {year} behind the figures.

**Rollup rebuild** (`manage.py rebuild_rollup`: the engine over every branch, then rule-period rows by COPY and
per-organization summaries):

| What | Time | Runs (ms) | Notes |
|---|---|---|---|
| Reference: the engine alone, `compliance_for_branches` over all {len(all_branches):,} branches, {year} | {engine_ms / 1000:.1f} s | {fmt(engine_runs)} | what any rebuild must run |
| Rebuild of {year} | **{rebuild_ms / 1000:.1f} s** | {fmt(rebuild_runs)} | **{rebuild_ms / engine_ms:.2f}× the engine alone**; {rebuild_result.rule_periods:,} rule-period rows (not met on time: {", ".join(f"{k} {v:,}" for k, v in sorted(rows_by_state.items()))}), {rebuild_result.summaries:,} summaries |
| Rebuild of the default years {", ".join(map(str, default_result.years))} (once) | {default_ms / 1000:.1f} s | | {default_result.rule_periods:,} rows, {default_result.summaries:,} summaries |

**Dashboard server time** (in-process test client as `city_viewer`, 25 requests each after 3 warm-ups; at = today, so the
stored rows hold). "Its SQL" = the queries `dashboard_for` runs, replayed raw; "grouped SQL over the rollup" = the
aggregate it would need without the per-organization summaries (the subtree's branch summaries grouped by child,
and its rule-period rows grouped by kind, state and month), raw:

| Dashboard of | Branches | Its SQL (queries) | Grouped SQL over the rollup | API p50 / p95 | Page p50 / p95 | API ÷ grouped SQL | Queries API / page |
|---|---|---|---|---|---|---|---|
""" + "\n".join(
    f"| {label} `{org.code}` | {dash.figures.branches:,} | {own:.1f} ms ({nq}) | {grouped:.0f} ms | **{a50:.0f}** / {a95:.0f} ms | "
    f"**{p50:.0f}** / {p95:.0f} ms | {a50 / grouped:.2f}× | {qa} / {qp} |"
    for label, org, dash, own, nq, grouped, a50, a95, p50, p95, qa, qp in rows) + f"""

**A logged meeting reaching the dashboard**: a 补记 主题党日 for `{branch.code}` (its overdue {overdue_row.period_start:%Y-%m}),
recorded through `meetings.services.record_meeting`; the branch is refreshed when the record commits
(core.signals → meetings.receivers), before the service call returns.

| What | Time | Notes |
|---|---|---|
| `record_meeting` including the on-commit rollup refresh | {record_ms:.0f} ms | |
| Until the district's dashboard API shows one overdue rule-period fewer | **{visible_ms if visible_ms is None else round(visible_ms)} ms** | goal ≤ 5 s |
| `refresh_branches` of that branch alone | {refresh_ms:.0f} ms | runs {fmt(refresh_runs)}; {len(refresh_ctx.captured_queries)} SQL queries (its years {", ".join(map(str, sorted({year} | set(rollup.default_years(now)))))} and the ancestors' re-sum) |
"""
if load:
    agg = next(s for s in load["stats"] if s["Name"] == "Aggregated")
    fails = sum(int(f["Occurrences"]) for f in load["failures"])
    body += f"""
**Load run**: locust headless (`bench/locustfile.py`), {USERS} users spawned at {SPAWN_RATE}/s, running {DURATION}
(statistics reset once all are running, `--reset-stats`; their sessions were opened beforehand), each waiting
2–6 s between requests (a person reading the page): 2 in 5 a city viewer (city dashboard API and page, district pages, 党总支 API), 2 in 5
someone opening random branch pages, branch dashboards and meeting lists, 1 in 5 a secretary reading the own branch
and logging a meeting through the API now and then. gunicorn `{" ".join(GUNICORN)}`, DEBUG off, on the same 2 cores
as locust and PostgreSQL.

| Request | Count | Failures | p50 | p95 | p99 | max |
|---|---|---|---|---|---|---|
""" + "\n".join(
        f"| {s['Name']} | {int(s['Request Count']):,} | {s['Failure Count']} | {s['50%']} ms | {s['95%']} ms | {s['99%']} ms | "
        f"{float(s['Max Response Time']):.0f} ms |" for s in load["stats"]) + f"""

Aggregated: **p95 {agg['95%']} ms**, {float(agg['Requests/s']):.0f} req/s, **{fails} errors**. Goal: 50 users p95 ≤ 300 ms, 0 errors.
"""
body += """
Goals (design.md): city dashboard p50 ≤ 150 ms and ≤ 3× the bare SQL aggregate over its rollup; SQL query count
constant in the number of branches (asserted in tests/inspections/test_dashboard.py); a logged meeting visible on
the dashboard within 5 s; rollup rebuild for the city ≤ 10 s. The rebuild is mostly the engine
(`compliance_for_branches`, see "Compliance evaluation"); the dashboards read a handful of summary rows.
"""
write_section("Dashboards (city data set)", body)
print(body)
if load and load["stderr"].strip():
    print("locust stderr:", load["stderr"])
if load and load["server_errors"]:
    print("gunicorn errors:", *load["server_errors"], sep="\n")
