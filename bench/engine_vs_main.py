"""The compliance engine and the rollup rebuild of this tree against another checkout's (main), in turns, on
one copy of the city data set migrated to this tree's schema (the other checkout's code only reads what its
models declare). Each turn is a fresh process (`bench/engine_ab.py`), the two sides alternate (B A A B …) so
a machine that drifts hurts both, and the ratio is taken pair by pair.

    BENCH_CITY_DB=orglife_bench_city_i15a python bench/engine_vs_main.py --main /work/main [--turns 3]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from common import CITY_DB, machine, write_section

HERE = Path(__file__).resolve().parent
parser = argparse.ArgumentParser()
parser.add_argument("--main", default="/work/main", help="the reference checkout, e.g. main before this branch "
                    "(`git archive <commit> | tar -x -C DIR`)")
parser.add_argument("--label", default="main", help="how the table names the reference")
parser.add_argument("--turns", type=int, default=3)
parser.add_argument("--repeat", type=int, default=3)
args = parser.parse_args()
ours = str(HERE.parent)


def side(code: str) -> dict:
    out = subprocess.run([sys.executable, str(HERE / "engine_ab.py"), "--code", code, "--db", CITY_DB, "--repeat",
                          str(args.repeat), "--rebuild"], capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def load() -> str:
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


before = load()
pairs = []
for turn in range(args.turns):
    order = (args.main, ours) if turn % 2 == 0 else (ours, args.main)
    got = {code: side(code) for code in order}
    pairs.append((got[args.main], got[ours]))
    print(f"turn {turn + 1}: main {statistics.median(got[args.main]['engine_ms']):.0f} ms, "
          f"ours {statistics.median(got[ours]['engine_ms']):.0f} ms", flush=True)
after = load()


def med(values):
    return statistics.median(values)


def figures(key):
    main_runs = [ms for m, _o in pairs for ms in m[key]]
    our_runs = [ms for _m, o in pairs for ms in o[key]]
    ratios = [med(o[key]) / med(m[key]) for m, o in pairs]
    return med(main_runs), med(our_runs), ratios, main_runs, our_runs


def runs(values):
    return ", ".join(f"{v:.0f}" for v in values)


e_main, e_ours, e_ratios, e_main_runs, e_our_runs = figures("engine_ms")
r_main, r_ours, r_ratios, r_main_runs, r_our_runs = figures("rebuild_ms")
m, o = pairs[-1]
states = sorted(set(m["states"]) | set(o["states"]))
state_rows = "\n".join(f"| {s} | {m['states'].get(s, 0):,} | {o['states'].get(s, 0):,} |" for s in states)
body = f"""Run {datetime.now():%Y-%m-%d %H:%M} on {machine()} (load average before: {before}; after: {after}; the
machine is shared: only the same-run ratios mean anything). `{CITY_DB}`: a `CREATE DATABASE … TEMPLATE` copy of the
city data set ({o["branches"]:,} branches) migrated to this branch's schema (党小组 dates backfilled from membership
history, `counted_kinds` seeded). Year 2026 evaluated at {o["now"]}. {args.turns} turns, each side a fresh process
per turn (1 warm-up, then {args.repeat} runs), the sides alternating; ratio = ours ÷ main per turn.

| What | {args.label} (reference) | issue 15 | Ratio per turn (median) | Queries main / ours |
|---|---|---|---|---|
| `compliance_for_branches`, all branches | {e_main:.0f} ms ({runs(e_main_runs)}) | {e_ours:.0f} ms ({runs(e_our_runs)}) | {", ".join(f"{r:.2f}" for r in e_ratios)} (**{med(e_ratios):.2f}×**) | {m["queries"]} / {o["queries"]} |
| `rollup.rebuild`, 2026 | {r_main:.0f} ms ({runs(r_main_runs)}) | {r_ours:.0f} ms ({runs(r_our_runs)}) | {", ".join(f"{r:.2f}" for r in r_ratios)} (**{med(r_ratios):.2f}×**) | |

What the engine now does besides main's: it reads each branch's facts on the first day of each month (one grouped
query over membership history with 24 filtered counts, the 党小组 rows with their dates, the thresholds in force
per day in one query), takes the records entered at least the shortest grace after their meeting (one query,
the only ones that can have missed a period's grace: `met_late`), and counts the ≥ 12 total over the kinds its
rule lists (a semi-join instead of every meeting). Rule-periods by state, main vs issue 15 (the differences are
the fixes: periods made up late are `met_late`; totals no longer made by 支委会 are not yet met):

| State | main | issue 15 |
|---|---|---|
{state_rows}
"""
write_section("Compliance engine: issue 15 against main (city data set)", body)
print(body)
