"""The scanners over the city data set, next to the bare SQL each one needs, measured in the same run.

    uv run python bench/scan.py

Reads the city database (bench/city.py) only as a template: the scans write alerts, so they run in
a copy, `orglife_bench_scan` (CREATE DATABASE … TEMPLATE, re-created on every run).
"""

import os
import statistics
import time
from datetime import timedelta

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
from meetings import rollup  # noqa: E402
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
rebuild_ms, _r, _rebuilt = timed(lambda: rollup.rebuild(now=now, years=[year]))  # what every scan did before


def nightly(fn, nights):
    """The scan as it runs in production: once a night at 02:00, each night after the last."""
    runs = []
    for night in nights:
        at = local_midnight(night) + timedelta(hours=2)
        started = time.perf_counter()
        out = fn(at)
        runs.append(((time.perf_counter() - started) * 1000, night, out))
    return runs


def m_eval(run):  # branches the meeting scan of a night re-evaluated
    return run[2].extra.get(run[1].year, 0)


def w_eval(run):  # the same, from a whole scan_compliance (its second result is the meeting scan)
    return run[2][1].extra.get(run[1].year, 0)


def split_nights(runs, evaluated):
    """Nights with no deadline of the city's (few branches re-evaluated) and the others."""
    quiet = [r for r in runs if evaluated(r) <= len(branches) * 0.05]
    return quiet, [r for r in runs if r not in quiet]


nights = [today + timedelta(days=k) for k in range(1, 31)]  # a month of nights: every kind of deadline
meeting_nights = nightly(lambda at: scanners.scan_meetings(now=at), nights[:15])
m_quiet, m_busy = split_nights(meeting_nights, m_eval)
m_steady_ms = statistics.median(r[0] for r in m_quiet) if m_quiet else float("nan")
with CaptureQueriesContext(connection) as ctx:
    quiet_night = scanners.scan_meetings(now=local_midnight(m_quiet[-1][1]) + timedelta(hours=3)) if m_quiet else None
night_queries = len(ctx.captured_queries)
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
whole_nights = nightly(lambda at: scanners.scan_compliance(now=at), nights[15:])
w_quiet, w_busy = split_nights(whole_nights, w_eval)
w_steady_ms = statistics.median(r[0] for r in w_quiet) if w_quiet else float("nan")
open_alerts = Alert.objects.filter(closed_at__isnull=True).count()


def fmt(runs):
    return ", ".join(f"{r:.0f}" for r in runs)


def fmt_nights(runs, evaluated):
    return "; ".join(f"{night:%m-%d} {ms:.0f} ms ({evaluated((ms, night, out))})" for ms, night, out in runs)


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
| Meeting scan, re-run the same day | {m_ms:.0f} ms | {fmt(m_runs)} | opened {m_last.opened}, closed {m_last.closed}; {m_last.open:,} open; {meeting_queries} SQL queries |
| `rollup.rebuild` of the year (what every scan ran before issue 14's incremental scan) | {rebuild_ms:.0f} ms | | |
| **Meeting scan, steady: the nightly run on nights without a deadline** (median) | **{m_steady_ms:.0f} ms** | {fmt_nights(m_quiet, m_eval)} | night (branches re-evaluated); {night_queries} SQL queries on such a night |
| Meeting scan on deadline nights (a period's warning, end or grace reaches most branches) | | {fmt_nights(m_busy, m_eval) or "none in these nights"} | branches re-evaluated: refreshed up to {rollup.REBUILD_SHARE:.0%} of them, rebuilt from scratch above |
| Bare SQL `NOT EXISTS`: active members with no 出席 in 6 months + the running one | {bare_absence_ms:.0f} ms | | {len(absent6):,} members (anchor: 311 ms over 125k members, stack-notes §M.2) |
| Bare SQL `NOT EXISTS`, 3 months (the clock's candidate filter) | {bare_candidates_ms:.0f} ms | | {len(candidates):,} candidates |
| **Six-month scan** over {members:,} members (`scan_member_clock`) first run | {c_first_ms:.0f} ms | | opened {c_first.opened:,} |
| Six-month scan, steady | **{c_ms:.0f} ms** | {fmt(c_runs)} | {c_last.open:,} open by level {levels}; {clock_queries} SQL queries; {c_ms / bare_candidates_ms:.1f}× its candidate query |
| 换届 scan | {t_ms:.0f} ms | | {t_last.open:,} open |
| Notifications for the first run's alerts | {notify_ms:.0f} ms | | {notified:,} in-app notices (recipients are whatever roles the city data set has) |
| Whole `scan_compliance` (all scans + notices), re-run the same day | {all_ms:.0f} ms | {fmt(all_runs)} | |
| **Whole `scan_compliance`, steady: nightly, nights without a deadline** (median) | **{w_steady_ms:.0f} ms** | {fmt_nights(w_quiet, w_eval)} | {open_alerts:,} open alerts; {Notification.objects.count():,} notices in total |
| Whole `scan_compliance` on deadline nights | | {fmt_nights(w_busy, w_eval) or "none in these nights"} | |

Goals (design.md): whole-city compliance scan ≤ 3 s steady, set-based; six-month absence scan ≤ 1.2× its
candidate query. The meeting scan brings the dashboards' rollup up to date and diffs the alerts against its
rows: it re-evaluates only the branches whose stored figures stopped holding (a deadline of theirs came, or
their records or the rules changed: meetings/rollup.py `stale_branches`), and rebuilds from scratch when
they are more than {rollup.REBUILD_SHARE:.0%} (a month's end, a grace's end: every branch has such a period);
then it syncs the alerts of the branches whose rows were rewritten since their last sync. The nights run
one after another from the day after the first run, so what a night re-evaluates is what the calendar
brings to the city data set on that date (in parentheses: branches re-evaluated). The first night after
the `rollup.rebuild` reference syncs every branch's alerts again (the rebuild rewrote every row). The six-month scan is the `NOT EXISTS` anti-join (3-month window) narrowing the members,
then two grouped queries over the candidates' 13 months; its level logic is the pure `inspections/clock.py`.
"""
write_section("Scanners", body)
print(body)
