import pytest

from inspections import scanners
from inspections.models import Alert
from tests.inspections.conftest import local

pytestmark = pytest.mark.django_db
URL = "/api/v1/alerts/"


@pytest.fixture
def alerts(monthly, absentee, tree):
    monthly(range(1, 8))
    scanners.scan_compliance(now=local(2026, 7, 2))
    return Alert.objects.get(kind=Alert.Kind.MEMBER_ABSENT)


def test_fields_and_filters(api, alerts, viewer, absentee):
    data = api.as_(viewer).get(URL, {"kind": "member_absent", "org": "D1", "open": "true"}).json()
    assert data["count"] == 1
    row = data["results"][0]
    assert {"id", "kind", "org", "member", "level", "opened_at", "closed_at", "explanation"} <= set(row)
    assert (row["kind"], row["org"], row["member"], row["level"], row["closed_at"]) == (
        "member_absent", "A", absentee.pk, "serious", None)
    assert api.get(URL, {"open": "false", "kind": "member_absent"}).json()["count"] == 0
    assert api.get(URL, {"org": "D2"}).json()["count"] == 0
    assert api.get(f"{URL}{alerts.pk}/").json()["explanation"] == alerts.explanation


def test_outsider_gets_404_and_an_empty_list(api, alerts, secretary_b):
    client = api.as_(secretary_b)
    assert client.get(f"{URL}{alerts.pk}/").status_code == 404
    assert all(r["org"] == "B" for r in client.get(URL).json()["results"])
    assert client.get(URL, {"org": "A"}).json()["count"] == 0


def test_read_only_and_authenticated(api, alerts, admin_user):
    assert api.get(URL).status_code in (401, 403)
    assert api.as_(admin_user).post(URL, {"kind": "member_absent"}).status_code == 405
