"""Issue 11, points 1 and 3: a masked ID number must not give itself away, the birth date (digits 7–14)
is shown as a year to whoever may not see the number, every reveal of a full number is logged, and a
clash on an ID number does not name a member outside the caller's scope."""

from datetime import date
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from members.models import IdNumberReveal
from tests.factories import make_member, valid_id_number

pytestmark = pytest.mark.django_db

BORN = date(1987, 11, 23)


@pytest.fixture
def person(tree):
    number = valid_id_number(birth_date=BORN, gender="female")
    return make_member(tree["a"], name="隐私测试", gender="female", birth_date=BORN, id_number=number), number


def _leaks(text: str, number: str) -> list[str]:
    """Pieces of the number an observer could combine: region, birth date, the whole number."""
    return [piece for piece in (number, number[:6], number[6:14], "1987-11-23") if piece in text]


def test_api_gives_a_viewer_the_last_four_and_the_birth_year_only(api, viewer, person):
    member, number = person
    body = api.as_(viewer).get(f"/api/v1/members/{member.pk}/").json()
    assert body["id_number"] == "*" * 14 + number[-4:]
    assert body["birth_date"] is None and body["birth_year"] == 1987
    listed = api.as_(viewer).get("/api/v1/members/").content.decode()
    assert _leaks(listed, number) == []
    assert not IdNumberReveal.objects.exists()


def test_api_reveal_to_the_secretary_is_logged_once_per_member_shown(api, secretary_a, person):
    member, number = person
    body = api.as_(secretary_a).get(f"/api/v1/members/{member.pk}/").json()
    assert body["id_number"] == number and body["birth_date"] == "1987-11-23"
    reveal = IdNumberReveal.objects.get()
    assert (reveal.user, reveal.member, reveal.via) == (secretary_a, member, "api")
    api.as_(secretary_a).get("/api/v1/members/")
    # the list shows two members to the secretary: himself (not logged) and the person
    assert IdNumberReveal.objects.filter(via="api", member=member).count() == 2
    assert not IdNumberReveal.objects.filter(member__user=secretary_a).exists()


def test_member_page_shows_a_viewer_the_birth_year_and_logs_the_secretarys_reveal(client, viewer, secretary_a, person):
    member, number = person
    client.force_login(viewer)
    page = client.get(f"/members/{member.pk}/").content.decode()
    assert _leaks(page, number) == [] and "1987年" in page and "1987年11月23日" not in page
    assert not IdNumberReveal.objects.exists()
    client.force_login(secretary_a)
    assert number in client.get(f"/members/{member.pk}/").content.decode()
    assert IdNumberReveal.objects.filter(user=secretary_a, member=member, via="page").count() == 1


def test_a_member_reading_his_own_number_is_not_a_reveal(client, tree):
    from tests.factories import UserFactory

    user = UserFactory(username="self_reader")
    number = valid_id_number()
    me = make_member(tree["a"], name="本人", user=user, id_number=number)
    client.force_login(user)
    assert number in client.get(f"/members/{me.pk}/").content.decode()
    assert not IdNumberReveal.objects.exists()


def _sheet_text(response) -> str:
    ws = load_workbook(BytesIO(response.content)).active
    return " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)


def test_export_masks_and_coarsens_for_a_viewer_and_logs_the_secretarys_reveals(client, viewer, secretary_a, person):
    member, number = person
    client.force_login(viewer)
    text = _sheet_text(client.get(reverse("roster-export")))
    assert _leaks(text, number) == [] and "1987年" in text
    client.force_login(secretary_a)
    assert number in _sheet_text(client.get(reverse("roster-export")))
    assert IdNumberReveal.objects.filter(user=secretary_a, member=member, via="export").count() == 1


def test_audit_snapshot_of_a_member_holds_no_region_or_birth_digits(person):
    from core.models import AuditEntry

    member, number = person
    entry = AuditEntry.objects.get(target_type="members.member", target_id=str(member.pk))
    assert number[:6] not in str(entry.changes) and number not in str(entry.changes)


# ---------------------------------------------------------------- point 3: a clash names no outsider


def _payload(number: str) -> dict:
    return {"name": "冒名者", "gender": "female", "ethnicity": "汉族", "birth_date": BORN.isoformat(),
            "id_number": number, "category": "probationary", "joined_on": "2026-07-01", "status": "normal"}


def test_registering_another_branchs_id_number_does_not_name_its_holder(api, secretary_b, person):
    member, number = person
    response = api.as_(secretary_b).post("/api/v1/members/", {**_payload(number), "branch": "B"}, format="json")
    assert response.status_code == 400
    text = response.content.decode()
    assert "已登记在其他党组织" in text and member.name not in text and member.branch.name not in text


def test_a_clash_inside_the_callers_scope_still_names_the_member(api, secretary_a, person):
    member, number = person
    response = api.as_(secretary_a).post("/api/v1/members/", {**_payload(number), "branch": "A"}, format="json")
    assert response.status_code == 400 and member.name in response.content.decode()
