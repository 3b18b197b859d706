"""Who is told, once: the branch's secretaries; the upper level for serious overdue and six-month flags."""

import pytest
from django.core import mail
from django.db.models import Count

from inspections import notifications, scanners
from inspections.models import Alert, Notification
from tests.inspections.conftest import local

pytestmark = pytest.mark.django_db


def test_branch_actors_and_upper_level_are_notified_once(monthly, absentee, secretary_a, secretary_b, viewer, organizer,
                                                         admin_user, member_a):
    monthly(range(1, 8))
    scanners.scan_compliance(now=local(2026, 7, 2))
    flag = Alert.objects.get(kind=Alert.Kind.MEMBER_ABSENT, closed_at__isnull=True)
    assert flag.level == "serious"
    told = set(Notification.objects.filter(alerts=flag).values_list("recipient__username", flat=True))
    assert told == {"secretary_a", "viewer_d1", "organizer_d1"}  # not the outsider, the member, nor the global admin
    info = Alert.objects.filter(kind=Alert.Kind.MEETING_DUE_SOON, org__code="A").first() or Alert.objects.filter(
        kind=Alert.Kind.MEETING_OVERDUE, level="warning", org__code="A").first()
    if info is not None:
        assert set(Notification.objects.filter(alerts=info).values_list("recipient__username", flat=True)) == {"secretary_a"}
    count = Notification.objects.count()
    scanners.scan_compliance(now=local(2026, 7, 2, 12))
    assert Notification.objects.count() == count


def test_a_rising_level_notifies_again_once_per_level(monthly, absentee, secretary_a):
    monthly(range(1, 8))
    for month in (4, 5, 6, 7):
        scanners.scan_member_clock(now=local(2026, month, 1))
        notifications.notify_new_alerts(now=local(2026, month, 1))
        notifications.notify_new_alerts(now=local(2026, month, 1, 1))
    levels = list(Notification.objects.filter(recipient=secretary_a, alerts__kind=Alert.Kind.MEMBER_ABSENT)
                  .order_by("created_at").values_list("level", flat=True))
    assert levels == ["info", "warning", "serious"]


def test_email_only_when_smtp_is_configured_and_only_once(monthly, absentee, secretary_a, settings):
    secretary_a.email = "sec@example.cn"
    secretary_a.save()
    monthly(range(1, 8))
    scanners.scan_compliance(now=local(2026, 7, 2))
    settings.EMAIL_HOST = ""
    assert notifications.send_notification_emails(now=local(2026, 7, 2)) == 0
    settings.EMAIL_HOST = "smtp.example.cn"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    sent = notifications.send_notification_emails(now=local(2026, 7, 2))
    assert sent == len(mail.outbox) > 0 and notifications.send_notification_emails(now=local(2026, 7, 3)) == 0
    assert all(m.to == ["sec@example.cn"] for m in mail.outbox)
    assert any("连续" in m.body for m in mail.outbox)


def test_a_scan_sends_each_recipient_one_digest_per_run(monthly, absentee, secretary_a, viewer, organizer, tree):
    """Many alerts in one run: one notice per recipient, counting them ("新增逾期 …、六个月未参加 1 人")."""
    from tests.factories import make_member

    monthly(range(1, 8))
    for i in range(3):  # more six-month absentees: still one digest each
        make_member(tree["a"], name=f"缺席者{i}")
    results = scanners.scan_compliance(now=local(2026, 7, 2))
    opened = Alert.objects.filter(closed_at__isnull=True, org__code="A").count()
    assert opened > 3
    per_user = dict(Notification.objects.values_list("recipient__username").annotate(n=Count("id")))
    assert per_user == {"secretary_a": 1, "viewer_d1": 1, "organizer_d1": 1}
    assert results[-1].notified == 3
    digest = Notification.objects.get(recipient=secretary_a)
    assert digest.kind == Notification.Kind.DIGEST and digest.alerts.count() == opened
    assert "六个月未参加 1 人" in digest.title and digest.url == "/orgs/A/alerts/"
    upper = Notification.objects.get(recipient=viewer)
    assert upper.url == "/alerts/?org=D1" and "六个月未参加 1 人" in upper.title
    # a second run the same day opens nothing: no new digest
    scanners.scan_compliance(now=local(2026, 7, 2, 12))
    assert Notification.objects.count() == 3
    # the next run that raises or opens something sends one more digest each, no more
    scanners.scan_compliance(now=local(2026, 8, 20))
    assert Notification.objects.filter(recipient=secretary_a).count() == 2


def test_digest_text_counts_by_kind_and_level():
    alerts = [Alert(pk=i, kind=Alert.Kind.MEETING_OVERDUE, level="serious") for i in range(5)]
    alerts += [Alert(pk=9, kind=Alert.Kind.MEMBER_ABSENT, level="serious"),
               Alert(pk=10, kind=Alert.Kind.MEETING_OVERDUE, level="warning")]
    assert notifications.digest_text(alerts) == "新增逾期 5 项、待补记 1 项、六个月未参加 1 人"


def test_leave_request_notifies_the_approver_and_the_decision_the_member(django_capture_on_commit_callbacks, tree,
                                                                        secretary_a, secretary_b, member_a, client):
    from datetime import timedelta

    from meetings import services as meeting_services

    now = local(2026, 5, 20, 10)
    meeting = meeting_services.plan_meeting(actor=None, branch=tree["a"], kinds=["theme_day"], topic="五月主题党日",
                                            held_at=now + timedelta(days=3), now=now)
    with django_capture_on_commit_callbacks(execute=True):
        leave = meeting_services.request_leave(actor=member_a, member=member_a.member, meeting=meeting,
                                               reason="出差", now=now)
    asked = Notification.objects.get(kind=Notification.Kind.LEAVE_REQUESTED)
    assert asked.recipient == secretary_a and "王党员" in asked.title and asked.url == "/orgs/A/leave/"
    client.force_login(secretary_a)
    assert "请假申请：王党员" in client.get("/inbox/").content.decode()
    assert 'href="/orgs/A/leave/"' in client.get("/inbox/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        meeting_services.decide_leave(actor=secretary_a, leave=leave, approve=True, now=now, note="同意")
    told = Notification.objects.get(kind=Notification.Kind.LEAVE_DECIDED)
    assert told.recipient == member_a and told.title.startswith("请假已批准") and told.url == "/me/"
    assert not Notification.objects.filter(recipient=secretary_b).exists()


def test_leave_notice_is_emailed_when_configured(django_capture_on_commit_callbacks, tree, secretary_a, member_a,
                                                 settings):
    from datetime import timedelta

    from meetings import services as meeting_services

    secretary_a.email = "sec@example.cn"
    secretary_a.save()
    settings.EMAIL_HOST, settings.SITE_URL = "smtp.example.cn", "https://orglife.example.cn"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    now = local(2026, 5, 20, 10)
    meeting = meeting_services.plan_meeting(actor=None, branch=tree["a"], kinds=["theme_day"], topic="学习会",
                                            held_at=now + timedelta(days=3), now=now)
    with django_capture_on_commit_callbacks(execute=True):
        meeting_services.request_leave(actor=member_a, member=member_a.member, meeting=meeting, reason="出差", now=now)
    assert notifications.send_notification_emails(now=now) == 1
    assert "请假申请：王党员" in mail.outbox[0].subject
    assert "https://orglife.example.cn/orgs/A/leave/" in mail.outbox[0].body
