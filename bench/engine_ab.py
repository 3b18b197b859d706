"""One side of an A/B measurement of the compliance engine and the rollup rebuild: run it once with this
tree's code and once with another checkout's (`--code /path/to/checkout`), in turns, against the same
copy of the city data set; `bench/engine_vs_main.py` drives the turns and writes the table.

    python bench/engine_ab.py --code /work/main --db orglife_bench_city_i15a [--repeat 3] [--rebuild]

Prints one JSON line: the engine's runs (ms), the rebuild's runs (ms), the rule-periods by state.
"""

import argparse
import json
import os
import sys
import time
from collections import Counter

parser = argparse.ArgumentParser()
parser.add_argument("--code", required=True, help="the checkout whose code is measured")
parser.add_argument("--db", required=True)
parser.add_argument("--repeat", type=int, default=3)
parser.add_argument("--rebuild", action="store_true")
args = parser.parse_args()

sys.path.insert(0, os.path.abspath(args.code))
os.chdir(args.code)
base = os.environ.get("BENCH_PG", "postgres://postgres:postgres@127.0.0.1:5432")
os.environ["DATABASE_URL"] = f"{base}/{args.db}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orglife.settings")
import django  # noqa: E402

django.setup()
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from branches.models import Organization  # noqa: E402
from meetings import rollup  # noqa: E402
from meetings.compliance import compliance_for_branches  # noqa: E402
from meetings.periods import local_midnight  # noqa: E402

year = 2026
now = local_midnight(timezone.localdate().replace(year=year))  # the same instant for both sides
branches = list(Organization.objects.filter(kind="branch").order_by("path"))


def run_engine():
    started = time.perf_counter()
    result = compliance_for_branches(branches, year=year, now=now)
    return (time.perf_counter() - started) * 1000, result


run_engine()  # warm-up
engine_runs, result = [], None
for _ in range(args.repeat):
    ms, result = run_engine()
    engine_runs.append(ms)
with CaptureQueriesContext(connection) as ctx:
    compliance_for_branches(branches, year=year, now=now)
states = Counter(s.state for states in result.values() for s in states)
rebuild_runs = []
if args.rebuild:
    for _ in range(args.repeat):
        started = time.perf_counter()
        rollup.rebuild(now=now, years=[year])
        rebuild_runs.append((time.perf_counter() - started) * 1000)
print(json.dumps({"code": args.code, "engine_ms": engine_runs, "rebuild_ms": rebuild_runs, "queries": len(ctx.captured_queries),
                  "branches": len(branches), "states": dict(states), "now": now.isoformat()}, ensure_ascii=False))
