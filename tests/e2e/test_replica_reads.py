"""Dashboards and their exports read from the replica (DATABASE_REPLICA_URL), tested with Django's TEST
MIRROR: the replica alias is another connection to the same test database (tests/conftest.py). A
mirror sees only committed rows, so this test commits (transactional, hence among the tests that run
last, beside the browser journeys)."""

import pytest
from django.db import connections, router
from django.test.utils import CaptureQueriesContext

from branches.models import Organization
from core.db import replica_reads
from meetings import rollup
from meetings.models import Kind
from tests.factories import make_member
from tests.meetings.conftest import local

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])


def _reads(ctx, table):
    return [q["sql"] for q in ctx.captured_queries if table in q["sql"]]


def test_dashboards_and_exports_read_from_the_replica(client, settings, tree, viewer):
    settings.REPLICA_READS = True
    make_member(tree["a"], name="党员甲")
    from meetings import services

    services.record_meeting(actor=None, branch=tree["a"], kinds=[Kind.THEME_DAY], held_at=local(2026, 1, 8, 9),
                            topic="主题党日", now=local(2026, 1, 8, 9))
    from django.utils import timezone

    rollup.rebuild(now=timezone.now(), years=[timezone.localdate().year])
    client.force_login(viewer)
    with CaptureQueriesContext(connections["replica"]) as on_replica, \
            CaptureQueriesContext(connections["default"]) as on_primary:
        api = client.get("/api/v1/orgs/D1/dashboard/")
        page = client.get("/orgs/D1/dashboard/")
        export = client.get("/orgs/D1/dashboard/compliance.xlsx")
    assert api.status_code == page.status_code == export.status_code == 200
    assert api.json()["branches"] == 2 and api.json()["source"] == "rollup"  # committed rows, seen through the mirror
    assert _reads(on_replica, "meetings_compliancesummary") and not _reads(on_primary, "meetings_compliancesummary")
    assert _reads(on_replica, "branches_organization")

    with replica_reads():
        org = Organization.objects.get(code="A")
    assert org._state.db == "replica"
    assert router.db_for_write(Organization, instance=org) == "default"  # writes never go to the replica

    settings.REPLICA_READS = False  # no replica configured: everything on the primary
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        assert client.get("/api/v1/orgs/D1/dashboard/").status_code == 200
    assert on_replica.captured_queries == []
