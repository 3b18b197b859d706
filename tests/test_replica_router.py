"""core.db.ReplicaRouter: reads inside replica_reads() go to the replica when one is configured;
writes and migrations stay on the primary. (Routing through a real mirror: tests/e2e/test_replica_reads.py.)"""

import pytest

from branches.models import Organization
from core.db import ReplicaRouter, reads_from_replica, replica_reads

router = ReplicaRouter()


@pytest.fixture
def replica(settings, monkeypatch):
    """A replica alias configured (the router only looks at the setting) and reads enabled."""
    monkeypatch.setitem(settings.DATABASES, "replica", settings.DATABASES["default"])
    settings.REPLICA_READS = True


def test_reads_go_to_the_replica_only_inside_the_block_and_only_when_enabled(settings, replica):
    assert router.db_for_read(Organization) is None
    with replica_reads():
        assert router.db_for_read(Organization) == "replica"
    assert router.db_for_read(Organization) is None
    settings.REPLICA_READS = False
    with replica_reads():
        assert router.db_for_read(Organization) is None


def test_without_a_replica_alias_nothing_is_routed(settings, monkeypatch):
    settings.REPLICA_READS = True
    monkeypatch.delitem(settings.DATABASES, "replica", raising=False)
    with replica_reads():
        assert router.db_for_read(Organization) is None


def test_writes_and_migrations_stay_on_the_primary():
    assert router.db_for_write(Organization) == "default"
    assert router.allow_migrate("replica", "branches") is False
    assert router.allow_migrate("default", "branches") is None


def test_the_view_decorator_routes_the_whole_view(replica):

    @reads_from_replica
    def view():
        return router.db_for_read(Organization)

    assert view() == "replica" and router.db_for_read(Organization) is None
