"""Who is told, once: the branch's secretaries; the upper level for serious overdue and six-month flags."""

import pytest
from django.core import mail

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
    told = set(Notification.objects.filter(alert=flag).values_list("recipient__username", flat=True))
    assert told == {"secretary_a", "viewer_d1", "organizer_d1"}  # not the outsider, the member, nor the global admin
    info = Alert.objects.filter(kind=Alert.Kind.MEETING_DUE_SOON, org__code="A").first() or Alert.objects.filter(
        kind=Alert.Kind.MEETING_OVERDUE, level="warning", org__code="A").first()
    if info is not None:
        assert set(Notification.objects.filter(alert=info).values_list("recipient__username", flat=True)) == {"secretary_a"}
    count = Notification.objects.count()
    scanners.scan_compliance(now=local(2026, 7, 2, 12))
    assert Notification.objects.count() == count


def test_a_rising_level_notifies_again_once_per_level(monthly, absentee, secretary_a):
    monthly(range(1, 8))
    for month in (4, 5, 6, 7):
        scanners.scan_member_clock(now=local(2026, month, 1))
        notifications.notify_new_alerts(now=local(2026, month, 1))
        notifications.notify_new_alerts(now=local(2026, month, 1, 1))
    levels = list(Notification.objects.filter(recipient=secretary_a, alert__kind=Alert.Kind.MEMBER_ABSENT)
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
