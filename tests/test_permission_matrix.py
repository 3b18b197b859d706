"""The permission matrix, generated from the URL configuration (issue 11): every page and endpoint ×
every role (admin, organizer, viewer, secretary, 党小组长, member, anonymous) × an object of another
branch. The roles hold their roles in 江城区 (D1) and its branch A; the objects live in branch B of
临湖区 (D2).

- an outsider (every role but the global admin) gets 403/404 for a URL that names B or one of B's
  records, and a list never carries B's records;
- anonymous: pages redirect to the login page, the API answers 401;
- the global admin, who may see B, is let through (no 401/404, never 500).

A new URL with a parameter this file does not know fails `test_every_parameter_is_mapped`: add the
object it names to WORLD_KEYS.
"""

import re
from datetime import date, timedelta

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework.test import APIClient

from branches import services as branch_services
from branches.access import PUBLIC
from branches.models import Role
from inspections.models import Alert, Notification
from meetings import services as meeting_services
from meetings.models import Exemption, LeaveRequest, RecordBookBatch
from members.models import RosterImport
from reviews.models import (
    LifeMeeting,
    Material,
    MemberReview,
    RectificationItem,
    Stage,
    Talk,
    WarningEducation,
)
from tests.conftest import _user_with_role
from tests.factories import UserFactory, make_member

pytestmark = pytest.mark.django_db

SECRET = "临湖秘密"  # in the name of every record of branch B: must never appear in an outsider's answer
ROLES = ["admin", "organizer", "viewer", "secretary", "group_leader", "member", "anonymous"]

# URL name → which object of branch B its `pk` (or `group_id`) names
WORLD_KEYS = {
    "group-edit": "group", "member-detail": "member", "member-edit": "member", "member-transfer": "member",
    "roster-import-detail": "roster_import", "roster-import-confirm": "roster_import",
    "roster-import-status": "roster_import", "roster-import-cancel": "roster_import", "meeting-edit": "meeting", "meeting-detail": "meeting",
    "meeting-record-docx": "meeting", "leave-request": "planned", "leave-decide": "leave", "leave-cancel": "leave",
    "exemption-decide": "exemption", "exemption-consent": "exemption", "recordbook-batch": "batch", "recordbook-batch-progress": "batch", "recordbook-batch-resume": "batch",
    "recordbook-batch-download": "batch", "flag-action": "alert", "alert-comment": "alert", "api:alert-comments": "alert", "inbox-read": "notification",
    "life-meeting": "life_meeting", "life-meeting-material": "life_meeting", "life-meeting-report": "life_meeting",
    "life-meeting-report-pdf": "life_meeting", "material-file": "material", "member-review": "review",
    "member-review-ballot": "review", "member-review-self": "review", "talk-delete": "talk",
    "api:party-group-detail": "group", "api:member-detail": "member", "api:meeting-detail": "meeting",
    "api:leave-request-detail": "leave", "api:leave-request-approve": "leave", "api:leave-request-cancel": "leave",
    "api:leave-request-reject": "leave", "api:alert-detail": "alert", "api:rectification-detail": "rectification",
    "api:talk-detail": "talk", "api:warning-education-detail": "warning",
}
WORLD_PREFIXES = {"api:life-meeting-": "life_meeting", "api:member-review-": "review"}
# organizations named by `code`: B itself, or its district where the page is for a 党委
CODE_FOR = {"recordbook-batch-create": "D2", "org-dashboard": "D2", "dashboard-export": "D2",
            "dashboard-ranking": "D2", "api:org-dashboard": "D2"}
# Pages the admin, who sees B, still gets 404 on by design (what they name is someone's own, or not there)
ADMIN_NOT_FOUND = {
    "roster-import-detail", "roster-import-status", "roster-import-confirm", "roster-import-cancel",  # one's own uploads
    "recordbook-batch-download",  # the zip is not generated yet
    "inbox-read",  # one's own notices only
    "material-file",  # a material without an uploaded file
}


def _routes():
    """(route, name, view, methods) for every pattern (format-suffix twins and the admin left out)."""
    def walk(patterns, prefix="", namespace=None):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                if pattern.namespace != "admin":
                    yield from walk(pattern.url_patterns, route, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and "format" not in pattern.pattern.regex.groupindex:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                yield route, name, pattern.callback, getattr(pattern.callback, "actions", None)
    return list(walk(get_resolver().url_patterns))


def _is_public(view) -> bool:
    return getattr(view, "required_perm", None) == PUBLIC or getattr(getattr(view, "cls", None), "required_perm", None) == PUBLIC


def _key_for(name: str) -> str | None:
    if name in WORLD_KEYS:
        return WORLD_KEYS[name]
    return next((key for prefix, key in WORLD_PREFIXES.items() if name.startswith(prefix)), None)


_PARAM = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")


def _params(route: str) -> list[str]:
    return [a or b for a, b in _PARAM.findall(route)]


def _url(route: str, name: str, world: dict) -> str:
    def fill(match):
        param = match.group(1) or match.group(2)
        if param == "code":
            return CODE_FOR.get(name, "B")
        if param in ("pk", "group_id"):
            return str(world[_key_for(name)].pk)
        if param == "year":
            return "2026"
        if param == "table":
            return "compliance"
        raise AssertionError(f"unmapped parameter {param} in {route}")
    url = "/" + _PARAM.sub(fill, route)
    return url.replace("^", "").replace("$", "")


NAMED = [(route, name, view, actions) for route, name, view, actions in _routes()
         if not _is_public(view) and _params(route)]
LISTS = [(route, name, view, actions) for route, name, view, actions in _routes()
         if not _is_public(view) and not _params(route) and (actions is None or "get" in actions)]


def test_every_parameter_is_mapped():
    unknown = [(name, p) for route, name, _v, _a in NAMED for p in _params(route)
               if p in ("pk", "group_id") and _key_for(name) is None]
    assert unknown == []
    assert len(NAMED) > 50 and len(LISTS) > 15  # the walk found the project's URLs


@pytest.fixture
def world(tree, secretary_b):
    """One record of every kind in branch B (or its district D2), each with SECRET in its name."""
    b, now = tree["b"], timezone.now()
    member = make_member(b, name=f"{SECRET}党员")
    group = branch_services.create_party_group(actor=None, branch=b, name=f"{SECRET}党小组")
    meeting = meeting_services.record_meeting(actor=None, branch=b, kinds=["branch_assembly"],
                                              held_at=now - timedelta(days=3), topic=f"{SECRET}会议", now=now)
    planned = meeting_services.plan_meeting(actor=None, branch=b, kinds=["branch_assembly"],
                                            held_at=now + timedelta(days=5), topic=f"{SECRET}计划", now=now)
    leave = LeaveRequest.objects.create(member=member, meeting=planned, reason=f"{SECRET}请假")
    exemption = Exemption.objects.create(branch=b, member=member, reason=Exemption.Reason.SICK,
                                         starts_on=date(2026, 1, 1), ends_on=date(2026, 6, 30), detail=f"{SECRET}")
    alert = Alert.objects.create(kind=Alert.Kind.MEMBER_ABSENT, org=b, member=member, level=Alert.Level.WARNING,
                                 subject=f"member:{member.pk}", explanation=f"{SECRET}预警", opened_at=now)
    notification = Notification.objects.create(recipient=secretary_b, alert=alert, level=alert.level,
                                               title=f"{SECRET}通知", body="…", created_at=now)
    life = LifeMeeting.objects.create(branch=b, period_start=date(2026, 1, 1), period_end=date(2026, 12, 31),
                                      topic=f"{SECRET}组织生活会")
    return {
        "member": member, "group": group, "meeting": meeting, "planned": planned, "leave": leave,
        "exemption": exemption, "alert": alert, "notification": notification, "life_meeting": life,
        "material": Material.objects.create(life_meeting=life, member=member, text=f"{SECRET}材料"),
        "rectification": RectificationItem.objects.create(life_meeting=life, branch=b, problem=f"{SECRET}问题",
                                                          measure="…", deadline=date(2026, 12, 31)),
        "review": MemberReview.objects.create(branch=b, year=2026, stage=Stage.SELF, stages=[Stage.SELF]),
        "talk": Talk.objects.create(branch=b, talker=member, counterpart=make_member(b, name=f"{SECRET}对象"),
                                    held_on=date(2026, 3, 1),
                                    content=f"{SECRET}谈话"),
        "warning": WarningEducation.objects.create(meeting=meeting, form="film", material=f"{SECRET}警示"),
        "batch": RecordBookBatch.objects.create(org=tree["d2"], year=2026),
        "roster_import": RosterImport.objects.create(created_by=secretary_b, filename=f"{SECRET}.xlsx"),
    }


@pytest.fixture
def users(tree, secretary_a, member_a, viewer, organizer, admin_user):
    leader = _user_with_role("leader_a", Role.GROUP_LEADER, tree["a"])
    make_member(tree["a"], name="组长", user=leader)
    return {"admin": admin_user, "organizer": organizer, "viewer": viewer, "secretary": secretary_a,
            "group_leader": leader, "member": member_a, "anonymous": None}


def _client(user, api: bool):
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def _answers(user, world):
    """Every NAMED url's response: reads first, then the POST-only ones (an admin's POST may change or
    delete the record, e.g. a talk, which a later read would then miss)."""
    reads, posts = [], []
    for route, name, _view, actions in NAMED:
        url = _url(route, name, world)
        (posts if actions is not None and "get" not in actions else reads).append((url, name))
    answers = []
    for url, name in reads:
        response = _client(user, url.startswith("/api/")).get(url)
        if response.status_code == 405:  # a page that only takes POST
            posts.append((url, name))
        else:
            answers.append((url, name, response))
    for url, name in posts:
        client = _client(user, url.startswith("/api/"))
        response = client.post(url, {}, format="json") if url.startswith("/api/") else client.post(url, {"year": "2026"})
        answers.append((url, name, response))
    return answers


@pytest.mark.parametrize("role", ROLES)
def test_a_url_naming_another_branchs_record(world, users, role):
    user = users[role]
    failures = []
    for url, name, response in _answers(user, world):
        is_api = url.startswith("/api/")
        status = response.status_code
        body = response.content.decode(errors="replace") if not getattr(response, "streaming", False) else ""
        if status >= 500:
            failures.append((url, status))
        elif role == "anonymous":
            expected = (401,) if is_api else (302,)
            if status not in expected or (status == 302 and "/accounts/login/" not in response["Location"]):
                failures.append((url, status))
        elif role == "admin":
            if status in (401,) or (status == 404 and name not in ADMIN_NOT_FOUND):
                failures.append((url, status))
        elif status not in (403, 404) or SECRET in body:
            failures.append((url, status))
    assert failures == []


@pytest.mark.parametrize("role", ROLES)
def test_lists_never_carry_another_branchs_records(world, users, role):
    user = users[role]
    failures = []
    for route, name, _view, _actions in LISTS:
        url = _url(route, name, world)
        is_api = url.startswith("/api/")
        response = _client(user, is_api).get(url)
        status = response.status_code
        body = response.content.decode(errors="replace") if not getattr(response, "streaming", False) else ""
        if status >= 500:
            failures.append((url, status))
        elif role == "anonymous":
            if status not in ((401,) if is_api else (302, 405)):
                failures.append((url, status))
        elif role != "admin" and SECRET in body:
            failures.append((url, status, "leak"))
    assert failures == []


def test_the_admin_does_see_another_branchs_records_in_lists(world, users):
    """The matrix's leak check can fail: the marker is in what the global admin reads."""
    client = _client(users["admin"], True)
    assert SECRET in client.get("/api/v1/members/").content.decode()
    assert SECRET in client.get("/api/v1/meetings/").content.decode()


def test_each_role_reaches_its_own_branch(world, users, tree):
    """The allowed side of the matrix: on branch A's own pages each branch role succeeds as declared."""
    own = {"secretary": ["/orgs/A/", "/orgs/A/meetings/", "/orgs/A/meetings/new/", "/orgs/A/compliance/",
                         "/api/v1/orgs/A/compliance/?year=2026"],
           "group_leader": ["/orgs/A/", "/orgs/A/meetings/", "/orgs/A/compliance/"],
           "viewer": ["/orgs/A/", "/orgs/D1/dashboard/", "/api/v1/orgs/D1/dashboard/?year=2026"],
           "organizer": ["/orgs/A/", "/orgs/D1/dashboard/"],
           "member": ["/me/", "/api/v1/meetings/"]}
    for role, urls in own.items():
        client = _client(users[role], False)
        for url in urls:
            assert client.get(url).status_code == 200, (role, url)
    member_client = _client(users["member"], False)
    assert member_client.get("/orgs/A/meetings/new/").status_code == 403  # inside the scope, without the right
    assert _client(users["viewer"], False).get("/orgs/A/meetings/new/").status_code == 403


def test_a_user_without_any_role_sees_nothing(world):
    lonely = UserFactory(username="lonely")
    client = _client(lonely, True)
    for url in ("/api/v1/members/", "/api/v1/meetings/", "/api/v1/alerts/", "/members/", "/alerts/"):
        response = client.get(url)
        assert response.status_code in (200, 403) and SECRET not in response.content.decode(), url
