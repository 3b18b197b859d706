"""Shared fixtures: a small tree and the personas of style.md §12.

    city (党委) ── district1 (党委) ── branch_a (党支部)  ← secretary_a, member_a
              │                    └─ general1 (党总支) ── branch_a2
              └─ district2 (党委) ── branch_b (党支部)  ← secretary_b (the outsider)
    viewer: upper-level viewer on district1; organizer on district1; admin: global admin.
"""

import pytest
from rest_framework.test import APIClient

from branches import services as branch_services
from branches.models import Organization, Role
from tests.factories import UserFactory, make_member, make_org

K = Organization.Kind


def pytest_collection_modifyitems(items):
    """Browser journeys last: their transactional flush would empty the data-migration rows that
    ordinary tests read."""
    e2e = [item for item in items if "/tests/e2e/" in str(item.fspath)]
    for item in e2e:
        item.add_marker(pytest.mark.e2e)
    items[:] = [item for item in items if item not in e2e] + e2e


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """A read replica as Django's TEST MIRROR of the primary, as DATABASE_REPLICA_URL configures one in
    production (orglife/settings.py). Reads go there only where a test turns REPLICA_READS on
    (tests/e2e/test_replica_reads.py): a mirror is another connection, which cannot see the uncommitted
    rows of an ordinary test."""
    from django.conf import settings
    from django.db import connections

    if "replica" not in settings.DATABASES:
        replica = {**settings.DATABASES["default"], "TEST": {"MIRROR": "default"}}
        settings.DATABASES["replica"] = replica
        connections.settings["replica"] = connections.configure_settings(
            {"default": settings.DATABASES["default"], "replica": replica})["replica"]
    settings.REPLICA_READS = False


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2's 1M iterations cost ~0.3 s per user; tests check permissions, not hashing strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate limits (the token endpoint's throttle) count in the cache, which outlives a test's transaction."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def tree(db):
    city = make_org("CITY", kind=K.PARTY_COMMITTEE, name="中共临江市委")
    d1 = make_org("D1", kind=K.PARTY_COMMITTEE, parent=city, name="中共临江市江城区委")
    d2 = make_org("D2", kind=K.PARTY_COMMITTEE, parent=city, name="中共临江市临湖区委")
    g1 = make_org("G1", kind=K.GENERAL_BRANCH, parent=d1, name="江城街道机关党总支")
    a = make_org("A", parent=d1, name="兴隆社区党支部", sector=Organization.Sector.COMMUNITY)
    a2 = make_org("A2", parent=g1, name="街道机关第一党支部", sector=Organization.Sector.GOVERNMENT)
    b = make_org("B", parent=d2, name="幸福村党支部", sector=Organization.Sector.RURAL)
    return {"city": city, "d1": d1, "d2": d2, "g1": g1, "a": a, "a2": a2, "b": b}


def _user_with_role(username, role, org):
    user = UserFactory(username=username)
    branch_services.assign_role(actor=None, user=user, role=role, org=org)
    return user


@pytest.fixture
def secretary_a(tree):
    user = _user_with_role("secretary_a", Role.SECRETARY, tree["a"])
    make_member(tree["a"], name="李书记", user=user, party_post="secretary")
    return user


@pytest.fixture
def member_a(tree):
    user = UserFactory(username="member_a")
    make_member(tree["a"], name="王党员", gender="female", user=user)
    return user


@pytest.fixture
def secretary_b(tree):
    user = _user_with_role("secretary_b", Role.SECRETARY, tree["b"])
    make_member(tree["b"], name="赵书记", user=user, party_post="secretary")
    return user


@pytest.fixture
def viewer(tree):
    return _user_with_role("viewer_d1", Role.VIEWER, tree["d1"])


@pytest.fixture
def organizer(tree):
    return _user_with_role("organizer_d1", Role.ORGANIZER, tree["d1"])


@pytest.fixture
def admin_user(tree):
    return _user_with_role("admin", Role.ADMIN, None)


@pytest.fixture
def api():
    """An API client; `api.as_(user)` authenticates as that user."""
    client = APIClient()

    def as_(user):
        client.force_authenticate(user=user)
        return client

    client.as_ = as_
    return client
