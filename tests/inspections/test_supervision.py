"""督办 comments on alerts, 待补记 while in grace, and each alert linking to where it is handled."""

import pytest

from inspections import services
from inspections.models import Alert, AlertComment, Notification
from tests.meetings.conftest import local

pytestmark = pytest.mark.django_db
NOW = local(2026, 4, 5, 10)


def _alert(org, level=Alert.Level.WARNING, kind=Alert.Kind.MEETING_OVERDUE, subject=None, **fields):
    from meetings.models import QuotaRule

    rule = QuotaRule.objects.filter(kind="branch_assembly", org__isnull=True).first()
    return Alert.objects.create(kind=kind, org=org, level=level, explanation="支部党员大会：2026年第1季度应开1次，已开0次",
                                subject=subject or f"meeting:{rule.pk}:0:2026-01-01", opened_at=NOW,
                                period_start=local(2026, 1, 1).date(), period_end=local(2026, 3, 31).date(), **fields)


def test_organizer_comments_and_the_branch_sees_it_and_is_notified(client, tree, organizer, secretary_a):
    alert = _alert(tree["a"])
    client.force_login(organizer)
    response = client.post(f"/alerts/{alert.pk}/comment/", {"text": "请本周内补开支部党员大会"})
    assert response.status_code == 302 and response["Location"] == f"/orgs/A/alerts/#alert-{alert.pk}"
    comment = AlertComment.objects.get(alert=alert)
    assert comment.author == organizer and comment.author_org == tree["d1"]
    notice = Notification.objects.get(recipient=secretary_a, kind=Notification.Kind.SUPERVISION)
    assert notice.url == f"/orgs/A/alerts/#alert-{alert.pk}" and "请本周内补开" in notice.body
    client.force_login(secretary_a)
    page = client.get("/orgs/A/alerts/").content.decode()
    assert "请本周内补开支部党员大会" in page and "中共临江市江城区委" in page
    assert "提交督办" not in page  # the branch reads it, it does not supervise itself


def test_empty_comment_is_refused_with_a_chinese_message(client, tree, organizer):
    alert = _alert(tree["a"])
    client.force_login(organizer)
    client.post(f"/alerts/{alert.pk}/comment/", {"text": "  "})
    assert not AlertComment.objects.exists()
    assert "请填写督办意见" in client.get("/orgs/A/alerts/").content.decode()


def test_viewer_and_branch_cannot_supervise(client, tree, viewer, secretary_a):
    alert = _alert(tree["a"])
    for user in (viewer, secretary_a):
        client.force_login(user)
        assert client.post(f"/alerts/{alert.pk}/comment/", {"text": "督办"}).status_code == 403
    assert not AlertComment.objects.exists()


def test_outsider_gets_404_on_comment_page_and_api(client, api, tree, secretary_b, organizer):
    alert = _alert(tree["a"])
    services.add_supervision_comment(actor=organizer, alert=alert, text="请尽快补开", now=NOW)
    client.force_login(secretary_b)
    assert client.post(f"/alerts/{alert.pk}/comment/", {"text": "x"}).status_code == 404
    assert api.as_(secretary_b).get(f"/api/v1/alerts/{alert.pk}/comments/").status_code == 404
    assert api.as_(secretary_b).post(f"/api/v1/alerts/{alert.pk}/comments/", {"text": "x"}).status_code == 404


def test_api_comments_read_by_branch_written_by_organizer(api, tree, organizer, secretary_a, viewer):
    alert = _alert(tree["a"])
    created = api.as_(organizer).post(f"/api/v1/alerts/{alert.pk}/comments/", {"text": "请补开"}, format="json")
    assert created.status_code == 201 and created.json()["author_org"] == "D1"
    listed = api.as_(secretary_a).get(f"/api/v1/alerts/{alert.pk}/comments/").json()
    assert [c["text"] for c in listed] == ["请补开"]
    assert api.as_(secretary_a).post(f"/api/v1/alerts/{alert.pk}/comments/", {"text": "x"}).status_code == 403
    assert api.as_(viewer).post(f"/api/v1/alerts/{alert.pk}/comments/", {"text": "x"}).status_code == 403
    bad = api.as_(organizer).post(f"/api/v1/alerts/{alert.pk}/comments/", {"text": ""}, format="json")
    assert bad.status_code == 400 and "督办意见" in str(bad.json())


def test_alert_in_grace_shows_pending_make_up_and_links_to_prefilled_form(client, tree, secretary_a, api):
    late = _alert(tree["a"], level=Alert.Level.WARNING)
    overdue = _alert(tree["a"], level=Alert.Level.SERIOUS, subject="meeting:999999:0:2025-10-01")
    assert late.state_label == "待补记" and overdue.state_label == "已逾期"
    client.force_login(secretary_a)
    page = client.get("/orgs/A/alerts/").content.decode()
    assert "待补记" in page and "/orgs/A/meetings/new/?kind=branch_assembly&amp;held=2026-03-31" in page
    assert api.as_(secretary_a).get(f"/api/v1/alerts/{late.pk}/").json()["state_label"] == "待补记"


def test_six_month_alert_links_to_the_member(client, tree, secretary_a, member_a):
    _alert(tree["a"], kind=Alert.Kind.MEMBER_ABSENT, subject="absence:1", member=member_a.member)
    client.force_login(secretary_a)
    assert f'href="/members/{member_a.member.pk}/">去处理' in client.get("/orgs/A/alerts/").content.decode()
