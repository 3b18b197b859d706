"""Build the city data set of design.md (5,000 branches, 100,000 members, 12 months of meetings)
in its own PostgreSQL database with seed_demo, and time it.

    uv run python bench/city.py [--force]
"""

import sys
import time

from common import CITY_DB, drop_database, use_database

BRANCHES, MEMBERS_PER_BRANCH, MONTHS = 5000, 20, 12


def ensure_city(force: bool = False) -> float | None:
    """Seed the city database unless it is already seeded; returns the seconds seeding took (None: reused)."""
    if force:  # a new database: `flush` would also empty the rows the data migrations wrote (default policy)
        drop_database(CITY_DB)
    use_database(CITY_DB)
    from django.core.management import call_command

    from branches.models import Organization

    call_command("migrate", verbosity=0)
    if Organization.objects.exists():
        return None
    started = time.perf_counter()
    call_command("seed_demo", branches=BRANCHES, members_per_branch=MEMBERS_PER_BRANCH, months=MONTHS, seed=2026)
    return time.perf_counter() - started


if __name__ == "__main__":
    seconds = ensure_city(force="--force" in sys.argv)
    print("city data set reused" if seconds is None else f"seed_demo city: {seconds:.1f} s")
