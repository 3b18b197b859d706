"""The scanners over the city data set, next to the bare SQL each one needs, measured in the same run.

    uv run python bench/scan.py

Reads the city database (bench/city.py) only as a template: the scans write alerts, so they run in
a copy, `orglife_bench_scan` (CREATE DATABASE … TEMPLATE, re-created on every run).
"""

import os
import time

from common import CITY_DB, copy_database, machine, timed, use_database, write_section

SCAN_DB = os.environ.get("BENCH_SCAN_DB", "orglife_bench_scan")
BASE = os.environ.get("BENCH_PG", "postgres://postgres:postgres@127.0.0.1:5432")


def copy_city() -> float:
    """Re-create the scan database from the city template."""
    return copy_database(CITY_DB, SCAN_DB)


copy_seconds = copy_city()
use_database(SCAN_DB)

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

call_command("migrate", verbosity=0)  # adds the inspections tables to the copy
# The seeded city database carries no planner statistics (bulk inserts; autovacuum had not analysed
# it): without them the NOT EXISTS anti-join ran a nested loop for over 14 minutes. A real deployment
# has autovacuum's statistics; measure with them.
analyze_started = time.perf_counter()
with connection.cursor() as cursor:
    cursor.execute("ANALYZE")
analyze_seconds = time.perf_counter() - analyze_started

from branches.models import Organization  # noqa: E402
from core.dates import month_starts_back  # noqa: E402
from inspections import notifications, scanners  # noqa: E402
from inspections.models import Alert, Notification  # noqa: E402
from meetings.compliance import compliance_for_branches  # noqa: E402
from meetings.periods import local_midnight  # noqa: E402
from members.models import Member  # noqa: E402

now = timezone.now()
today = timezone.localdate(now)
year = today.year
branches = list(Organization.objects.filter(kind="branch").order_by("pk"))
members = Member.objects.filter(status="normal").count()
with connection.cursor() as c:
    c.execute("SELECT count(*) FROM meetings_attendance")
    attendance_rows = c.fetchone()[0]


def raw(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# --- references: the bare SQL each scan needs -------------------------------------------------
start, end = local_midnight(today.replace(month=1, day=1)), local_midnight(today.replace(year=year + 1, month=1, day=1))
COMPLIANCE_SQL = """
SELECT m.branch_id, m.party_group_id, k.kind, EXTRACT(MONTH FROM m.held_at AT TIME ZONE 'Asia/Shanghai') AS month, count(*)
FROM meetings_meetingkind k JOIN meetings_meeting m ON m.id = k.meeting_id
WHERE m.status = 'held' AND m.held_at >= %s AND m.held_at < %s AND m.held_at <= %s AND m.recorded_at <= %s
GROUP BY 1, 2, 3, 4"""
months = month_starts_back(today, 13)
NOT_EXISTS_SQL = """
SELECT m.id FROM members_member m WHERE m.status = 'normal' AND NOT EXISTS (
  SELECT 1 FROM meetings_attendance a JOIN meetings_meeting mt ON mt.id = a.meeting_id
  WHERE a.member_id = m.id AND a.status = 'present' AND mt.status = 'held' AND mt.held_at >= %s AND mt.held_at <= %s)"""
bare_compliance_ms, _r, rows = timed(lambda: raw(COMPLIANCE_SQL, [start, end, now, now]))
six_window = local_midnight(month_starts_back(today, 7)[-1])  # six completed months + the running one
bare_absence_ms, _r, absent6 = timed(lambda: raw(NOT_EXISTS_SQL, [six_window, now]))
three_window = local_midnight(months[3])
bare_candidates_ms, _r, candidates = timed(lambda: raw(NOT_EXISTS_SQL, [three_window, now]))

# --- the scans ----------------------------------------------------------------------------------
engine_ms, engine_runs, result = timed(lambda: sum(len(v) for chunk in range(0, len(branches), scanners.CHUNK) for v in
                                                   compliance_for_branches(branches[chunk:chunk + scanners.CHUNK],
                                                                           year=year, now=now).values()), repeat=3)


def first_and_steady(fn, repeat=3):
    started = time.perf_counter()
    first = fn()
    first_ms = (time.perf_counter() - started) * 1000
    steady_ms, runs, last = timed(fn, repeat=repeat)
    return first_ms, first, steady_ms, runs, last


m_first_ms, m_first, m_ms, m_runs, m_last = first_and_steady(lambda: scanners.scan_meetings(now=now))
with CaptureQueriesContext(connection) as ctx:
    scanners.scan_meetings(now=now)
meeting_queries = len(ctx.captured_queries)
c_first_ms, c_first, c_ms, c_runs, c_last = first_and_steady(lambda: scanners.scan_member_clock(now=now), repeat=5)
with CaptureQueriesContext(connection) as ctx:
    scanners.scan_member_clock(now=now)
clock_queries = len(ctx.captured_queries)
levels = dict(Alert.objects.filter(kind="member_absent", closed_at__isnull=True).values("level")
              .annotate(n=Count("id")).values_list("level", "n"))
t_ms, _r, t_last = timed(lambda: scanners.scan_terms(now=now), repeat=3)
n_started = time.perf_counter()
notified = notifications.notify_new_alerts(now=now)
notify_ms = (time.perf_counter() - n_started) * 1000
all_ms, all_runs, all_last = timed(lambda: scanners.scan_compliance(now=now), repeat=3)
open_alerts = Alert.objects.filter(closed_at__isnull=True).count()


def fmt(runs):
    return ", ".join(f"{r:.0f}" for r in runs)


load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
body = f"""Run {timezone.localtime(now):%Y-%m-%d %H:%M} on {machine()} (load average at the end: {load}; the machine
is shared, so compare each line with its reference of the same run), in `{SCAN_DB}` (a copy of `{CITY_DB}` made with
`CREATE DATABASE … TEMPLATE` in {copy_seconds:.0f} s, then `ANALYZE` in {analyze_seconds:.0f} s): {len(branches):,} branches, {members:,} active members,
{attendance_rows:,} attendance rows. "First" = the run that opens every alert; "steady" = median of the
re-runs on the same day (idempotent: they open and close nothing). The reference is measured in the same run.

| What | Time | Runs (ms) | Notes |
|---|---|---|---|
| Bare SQL: the grouped held-meeting count the engine needs (year {year}) | {bare_compliance_ms:.0f} ms | | {len(rows):,} groups |
| `compliance_for_branches`, all branches, chunks of {scanners.CHUNK} | {engine_ms:.0f} ms | {fmt(engine_runs)} | {result:,} rule-periods; {engine_ms / bare_compliance_ms:.1f}× the bare aggregate |
| **Meeting scan, whole city** (`scan_meetings`) first run | {m_first_ms:.0f} ms | | opened {m_first.opened:,} |
| Meeting scan, steady | **{m_ms:.0f} ms** | {fmt(m_runs)} | opened {m_last.opened}, closed {m_last.closed}; {m_last.open:,} open; {meeting_queries} SQL queries (constant in the number of branches) |
| Bare SQL `NOT EXISTS`: active members with no 出席 in 6 months + the running one | {bare_absence_ms:.0f} ms | | {len(absent6):,} members (anchor: 311 ms over 125k members, stack-notes §M.2) |
| Bare SQL `NOT EXISTS`, 3 months (the clock's candidate filter) | {bare_candidates_ms:.0f} ms | | {len(candidates):,} candidates |
| **Six-month scan** over {members:,} members (`scan_member_clock`) first run | {c_first_ms:.0f} ms | | opened {c_first.opened:,} |
| Six-month scan, steady | **{c_ms:.0f} ms** | {fmt(c_runs)} | {c_last.open:,} open by level {levels}; {clock_queries} SQL queries; {c_ms / bare_candidates_ms:.1f}× its candidate query |
| 换届 scan | {t_ms:.0f} ms | | {t_last.open:,} open |
| Notifications for the first run's alerts | {notify_ms:.0f} ms | | {notified:,} in-app notices (recipients are whatever roles the city data set has) |
| **Whole `scan_compliance`** (all scans + notices), steady | **{all_ms:.0f} ms** | {fmt(all_runs)} | {open_alerts:,} open alerts; {Notification.objects.count():,} notices in total |

Goals (design.md): whole-city compliance scan ≤ 10 s, set-based; six-month absence scan over 100,000
members ≤ 2 s. The meeting scan rebuilds the dashboards' rollup (the engine, its rows and the summaries,
meetings/rollup.py) and diffs the alerts against the rows it wrote; the engine (meetings/compliance.py) is most
of it (before the rollup, the scan ran the engine for the alerts and nothing else: 6.7 s steady on 2026-11-22). The six-month scan is the `NOT EXISTS` anti-join (3-month window) narrowing the members,
then two grouped queries over the candidates' 13 months; its level logic is the pure `inspections/clock.py`.
"""
write_section("Scanners", body)
print(body)
