"""Issue 11, point 5: every change through every path is audited, and the actor is kept."""

import json
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from branches.models import PolicyValue
from core.models import AuditEntry
from meetings import services
from meetings.models import QuotaRule
from meetings.services import Mark
from tests.factories import UserFactory, make_member
from tests.meetings.conftest import local

pytestmark = pytest.mark.django_db


def _updates(meeting):
    return AuditEntry.objects.filter(target_type="meetings.meeting", target_id=str(meeting.pk),
                                     action=AuditEntry.Action.UPDATE)


@pytest.fixture
def meeting(tree, secretary_a):
    make_member(tree["a"], name="甲")
    return services.record_meeting(actor=secretary_a, branch=tree["a"], kinds=["branch_assembly"],
                                   held_at=local(2026, 5, 8, 9), topic="学习会", now=local(2026, 5, 8, 18))


def _again(meeting, actor, **changes):
    fields = {name: getattr(meeting, name) for name in services.MEETING_FIELDS}
    kinds = changes.pop("kinds", meeting.kind_values)
    return services.record_meeting(actor=actor, branch=meeting.branch, kinds=kinds, now=local(2026, 5, 9, 9),
                                   meeting=meeting, **{**fields, **changes})


def test_changing_only_one_persons_attendance_is_audited(meeting, secretary_a):
    absent = meeting.attendance.get(member__name="甲").member
    _again(meeting, secretary_a, attendance={absent.pk: Mark("absent", "外出")})
    entry = _updates(meeting).get()
    assert entry.changes == {f"attendance.{absent.pk}": ["present", "absent|外出"]}
    assert entry.actor == secretary_a and entry.actor_name == "secretary_a"


def test_changing_only_the_kinds_is_audited(meeting, secretary_a):
    _again(meeting, secretary_a, kinds=["branch_assembly", "theme_day"])
    assert _updates(meeting).get().changes == {"kinds": ["branch_assembly", "branch_assembly,theme_day"]}


def test_a_correction_that_changes_nothing_writes_nothing(meeting, secretary_a):
    _again(meeting, secretary_a)
    assert not _updates(meeting).exists()


def test_approving_leave_for_a_recorded_meeting_audits_the_attendance_it_rewrites(tree, secretary_a, member_a):
    me = member_a.member
    now = local(2026, 5, 1, 9)
    planned = services.plan_meeting(actor=secretary_a, branch=tree["a"], kinds=["branch_assembly"],
                                    held_at=local(2026, 5, 8, 9), topic="学习会", now=now)
    leave = services.request_leave(actor=member_a, member=me, meeting=planned, reason="出差", now=now)
    held = services.record_meeting(actor=secretary_a, branch=tree["a"], kinds=["branch_assembly"], meeting=planned,
                                   held_at=local(2026, 5, 8, 9), topic="学习会", now=local(2026, 5, 8, 18))
    services.decide_leave(actor=secretary_a, leave=leave, approve=True, now=local(2026, 5, 8, 19))
    entry = _updates(held).latest("id")  # the first update is the planned meeting being recorded
    assert entry.changes == {f"attendance.{me.pk}": ["present", "leave|出差"]} and entry.actor_name == "secretary_a"


def test_deleting_a_user_keeps_the_name_of_the_actor(meeting, secretary_a):
    entry = AuditEntry.objects.get(target_type="meetings.meeting", action=AuditEntry.Action.CREATE)
    from members.models import Member

    Member.objects.filter(user=secretary_a).update(user=None)
    get_user_model().objects.filter(pk=secretary_a.pk).delete()
    entry.refresh_from_db()
    assert entry.actor is None and entry.actor_name == "secretary_a"


@pytest.fixture
def superuser_client(client):
    user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def test_admin_edit_of_a_quota_rule_is_audited(superuser_client):
    rule = QuotaRule.objects.filter(org__isnull=True).first()
    assert rule is not None, "the default policy rows come from a data migration"
    url = f"/admin/meetings/quotarule/{rule.pk}/change/"
    form = superuser_client.get(url).context["adminform"].form
    data = {name: form.initial.get(name) for name in form.fields}
    data = {k: ("" if v is None else json.dumps(v) if isinstance(v, list | dict) else v) for k, v in data.items()}
    data["minimum"] = rule.minimum + 1
    if data.get("effective_from"):
        data["effective_from"] = rule.effective_from.isoformat()
    if data.get("effective_to"):
        data["effective_to"] = rule.effective_to.isoformat()
    response = superuser_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = AuditEntry.objects.get(target_type="meetings.quotarule", target_id=str(rule.pk))
    assert entry.source == "admin" and entry.actor_name == "root"
    assert entry.changes["minimum"] == [rule.minimum, rule.minimum + 1]


def test_admin_creation_and_deletion_of_a_policy_value_are_audited(superuser_client, tree):
    value = PolicyValue.objects.filter(org__isnull=True).first()
    assert value is not None
    data = {"key": value.key, "org": tree["a"].pk, "value": value.value + 1,
            "effective_from": (timezone.localdate() - timedelta(days=1)).isoformat(), "effective_to": "",
            "article": "测试依据"}
    response = superuser_client.post("/admin/branches/policyvalue/add/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    created = PolicyValue.objects.get(org=tree["a"])
    assert AuditEntry.objects.filter(target_type="branches.policyvalue", target_id=str(created.pk),
                                     action="create", source="admin").exists()
    superuser_client.post(f"/admin/branches/policyvalue/{created.pk}/delete/", {"post": "yes"})
    assert AuditEntry.objects.filter(target_type="branches.policyvalue", target_id=str(created.pk),
                                     action="delete", actor_name="root").exists()


def test_a_snapshot_holds_plain_json_values_and_hides_the_secrets(tree):
    """What an audit entry records of a member: the ID number's digest only as a short fingerprint, never
    its ciphertext, no auto_now time, a foreign key as its id, dates as ISO text, choices as their value."""
    from core import audit

    member = make_member(tree["a"], name="乙")
    member.refresh_from_db()
    state = audit.snapshot(member)
    assert json.loads(json.dumps(state)) == state
    assert state["id_number_digest"] == audit.MASK + member.id_number_digest[:6]
    assert "id_number_cipher" not in state and "updated_at" not in state and "id" not in state
    assert state["branch"] == tree["a"].pk and state["name"] == "乙"
    assert state["joined_on"] == member.joined_on.isoformat() and state["created_at"].endswith("+00:00")
    assert state["gender"] == member.gender and type(state["gender"]) is str
