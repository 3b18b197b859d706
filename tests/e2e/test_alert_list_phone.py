"""The alert list on a phone (390×844): one card per alert, its explanation readable without scrolling
sideways (it was a table scrolled to the right, the explanation off screen)."""

import pytest
from django.utils import timezone

from inspections import scanners
from tests.e2e.conftest import login
from tests.factories import make_member

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_secretary_reads_the_alerts_on_a_phone(tree, secretary_a, phone, live_server):
    for i in range(3):
        make_member(tree["a"], name=f"党员{i + 1}")
    scanners.scan_meetings(now=timezone.now())
    login(phone, "secretary_a")
    phone.goto(f"{live_server.url}/orgs/{tree['a'].code}/alerts/")
    explanation = phone.locator("table.alerts tbody tr").first.locator("td").nth(4)
    box = explanation.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert "结束" in explanation.inner_text()
