"""Deterministic demo data for `seed_demo`: the organization tree, rosters and accounts (people),
then months of meetings with attendance (meetings). Part of the project wiring: it uses every app."""

from orglife.demo.meetings import seed_meetings
from orglife.demo.people import (
    ACCOUNT_NAMES,
    DEMO_PASSWORD,
    ROOT_CODE,
    audit_seeded,
    seed_accounts,
    seed_members,
    seed_tree,
)

# Seeders run after the roster, in order: callables (rng, branches, *, months, today) -> a summary line.
RECORD_SEEDERS = [seed_meetings]

__all__ = ["ACCOUNT_NAMES", "DEMO_PASSWORD", "RECORD_SEEDERS", "ROOT_CODE", "audit_seeded", "seed_accounts",
           "seed_members", "seed_tree"]
