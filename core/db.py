"""Reads off the primary: dashboards and exports read from a replica when one is configured.

`DATABASE_REPLICA_URL` adds `DATABASES["replica"]` (orglife/settings.py). Code that only reads and can
live with a replica a moment behind (dashboards, exports) runs inside `replica_reads()` (or a view
decorated with `reads_from_replica`); the router then sends its queries there. Everything else, and
every write, stays on the primary. With no replica configured this does nothing.
"""

from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS

REPLICA = "replica"
_reading_from_replica: ContextVar[bool] = ContextVar("orglife_replica_reads", default=False)


def replica_available() -> bool:
    return REPLICA in settings.DATABASES and getattr(settings, "REPLICA_READS", False)


@contextmanager
def replica_reads():
    """Queries in this block read from the replica (when there is one)."""
    token = _reading_from_replica.set(True)
    try:
        yield
    finally:
        _reading_from_replica.reset(token)


def reads_from_replica(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        with replica_reads():
            return view(*args, **kwargs)

    return wrapped


class ReplicaRouter:
    """DATABASE_ROUTERS: reads inside `replica_reads()` go to the replica; writes always to the primary
    (even for an object read from the replica); migrations only run on the primary."""

    def db_for_read(self, model, **hints):
        if _reading_from_replica.get() and replica_available():
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same data on both

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return None if db != REPLICA else False
