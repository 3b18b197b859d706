"""Shared set-up for the benchmarks: a dedicated PostgreSQL database, Django, timing helpers."""

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CITY_DB = os.environ.get("BENCH_CITY_DB", "orglife_bench_city")


def use_database(name: str) -> None:
    """Point Django at `name` on the local PostgreSQL server, creating the database if needed."""
    base = os.environ.get("BENCH_PG", "postgres://postgres:postgres@127.0.0.1:5432")
    exists = subprocess.run(["psql", f"{base}/postgres", "-tAc", f"SELECT 1 FROM pg_database WHERE datname='{name}'"],
                            capture_output=True, text=True, check=True).stdout.strip()
    if not exists:
        subprocess.run(["psql", f"{base}/postgres", "-qc", f"CREATE DATABASE {name}"], check=True)
    os.environ["DATABASE_URL"] = f"{base}/{name}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orglife.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def drop_database(name: str) -> None:
    base = os.environ.get("BENCH_PG", "postgres://postgres:postgres@127.0.0.1:5432")
    subprocess.run(["psql", f"{base}/postgres", "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], check=True)


def copy_database(template: str, name: str, *, attempts: int = 60) -> float:
    """Drop `name` and re-create it from `template` (CREATE DATABASE … TEMPLATE); waits while the template
    is busy (nobody may be connected to it). Returns the seconds the copy took."""
    base = os.environ.get("BENCH_PG", "postgres://postgres:postgres@127.0.0.1:5432")
    psql = ["psql", f"{base}/postgres", "-qc"]
    subprocess.run([*psql, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], check=True)
    started = time.perf_counter()
    for _attempt in range(attempts):
        done = subprocess.run([*psql, f"CREATE DATABASE {name} TEMPLATE {template}"], capture_output=True, text=True)
        if done.returncode == 0:
            return time.perf_counter() - started
        if "being accessed by other users" not in done.stderr:
            sys.exit(done.stderr)
        time.sleep(5)
    sys.exit(f"{template} stayed busy: cannot copy it")


def timed(fn, *, repeat: int = 5) -> tuple[float, list[float], object]:
    """Median wall time in ms over `repeat` runs (after one warm-up), all runs, and the last result."""
    result = fn()
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        runs.append((time.perf_counter() - started) * 1000)
    return statistics.median(runs), runs, result


def machine() -> str:
    cpu = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    pg = subprocess.run(["psql", "--version"], capture_output=True, text=True).stdout.strip()
    return f"{cpu} cores, {pg}, Python {sys.version.split()[0]}"


def write_section(title: str, body: str) -> None:
    """Replace (or append) the `## title` section of bench/results.md."""
    path = ROOT / "bench" / "results.md"
    text = path.read_text() if path.exists() else "# Benchmark results\n\nFigures from `make bench` (see bench/README.md).\n"
    heading = f"## {title}\n"
    section = heading + body.rstrip() + "\n"
    if heading in text:
        start = text.index(heading)
        nxt = text.find("\n## ", start + len(heading))
        text = text[:start] + section + ("" if nxt == -1 else text[nxt:])
    else:
        text = text.rstrip() + "\n\n" + section
    path.write_text(text)
