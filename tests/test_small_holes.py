"""Issue 11, point 9: formulas in the admin's export, an open redirect on the inbox, a secretary approving
his own leave. (Limits on record-book batches and synchronous PDFs belong to issue 14.)"""

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from import_export.formats.base_formats import XLSX
from openpyxl import load_workbook

from branches.models import Role
from meetings import services
from members.admin import MemberAdmin
from members.models import Member
from tests.conftest import _user_with_role
from tests.factories import UserFactory, make_member
from tests.meetings.conftest import local

pytestmark = pytest.mark.django_db


def test_the_admin_export_writes_formulas_as_text(tree):
    make_member(tree["a"], name="=HYPERLINK(\"http://evil.example\",\"点我\")", job="=1+1")
    from django.contrib.admin.sites import site

    request = RequestFactory().get("/admin/members/member/export/")
    request.user = UserFactory(username="root", is_staff=True, is_superuser=True)
    content = MemberAdmin(Member, site).get_export_data(XLSX(), request, Member.objects.all())
    sheet = load_workbook(io.BytesIO(content)).active
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row]
    assert not [c.value for c in cells if c.data_type == "f"]
    assert any("HYPERLINK" in str(c.value) for c in cells)


@pytest.mark.parametrize("target", ["https://evil.example/login", "//evil.example/", "http://testserver.evil/"])
def test_marking_notices_read_never_redirects_off_site(client, secretary_a, target):
    client.force_login(secretary_a)
    response = client.post("/inbox/read/", {"next": target})
    assert response.status_code == 302 and response.url == "/inbox/"


def test_marking_notices_read_returns_to_a_page_of_the_site(client, secretary_a):
    client.force_login(secretary_a)
    assert client.post("/inbox/read/", {"next": "/orgs/A/"}).url == "/orgs/A/"


@pytest.fixture
def own_leave(tree, secretary_a):
    now = local(2026, 5, 1, 9)
    meeting = services.plan_meeting(actor=secretary_a, branch=tree["a"], kinds=["branch_assembly"],
                                    held_at=local(2026, 5, 8, 9), topic="学习会", now=now)
    me = Member.objects.get(user=secretary_a)
    return services.request_leave(actor=secretary_a, member=me, meeting=meeting, reason="出差", now=now)


def test_a_secretary_cannot_approve_his_own_leave(secretary_a, own_leave):
    assert not services.can_decide_leave(secretary_a, own_leave)
    with pytest.raises(PermissionDenied, match="不能审批本人"):
        services.decide_leave(actor=secretary_a, leave=own_leave, approve=True, now=local(2026, 5, 2, 9))


def test_the_deputy_or_the_upper_level_approves_the_secretarys_leave(tree, secretary_a, admin_user, own_leave):
    deputy = _user_with_role("deputy_a", Role.ORGANIZATION_MEMBER, tree["a"])
    assert services.can_decide_leave(admin_user, own_leave) and services.can_decide_leave(deputy, own_leave)
    decided = services.decide_leave(actor=deputy, leave=own_leave, approve=True, now=local(2026, 5, 2, 9))
    assert decided.status == "approved" and decided.decided_by == deputy


def test_the_api_refuses_the_secretarys_own_approval(api, secretary_a, own_leave):
    response = api.as_(secretary_a).post(f"/api/v1/leave-requests/{own_leave.pk}/approve/")
    assert response.status_code == 403 and "本人" in response.json()["detail"]
