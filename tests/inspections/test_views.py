"""Pages: alert lists, the inbox, the six-month workflow on the member page; outsiders get 403/404."""

from datetime import date

import pytest
from django.urls import reverse

from inspections import scanners
from inspections.models import Alert, FlagAction, Notification
from members.models import Member
from tests.inspections.conftest import local

pytestmark = pytest.mark.django_db


@pytest.fixture
def flagged(monthly, absentee, secretary_a, viewer):
    monthly(range(1, 8))
    scanners.scan_compliance(now=local(2026, 7, 2))
    return Alert.objects.get(kind=Alert.Kind.MEMBER_ABSENT, closed_at__isnull=True)


def test_upper_level_list_filters_by_kind_and_organization(client, flagged, viewer):
    client.force_login(viewer)
    page = client.get(reverse("alert-list"), {"kind": "member_absent", "org": "D1"}).content.decode()
    assert "缺席者" in page and "需支部大会研究" in page
    empty = client.get(reverse("alert-list"), {"kind": "term_expiring"}).content.decode()
    assert "没有符合条件的预警" in empty


def test_outsider_sees_nothing_of_another_branch(client, flagged, secretary_b):
    client.force_login(secretary_b)
    assert "缺席者" not in client.get(reverse("alert-list")).content.decode()
    assert client.get(reverse("alert-list"), {"org": "A"}).status_code == 404
    assert client.get(reverse("branch-alerts", args=["A"])).status_code == 404
    response = client.post(reverse("flag-action", args=[flagged.pk]),
                           {"kind": "talk", "happened_on": "2026-07-02", "notes": "x"})
    assert response.status_code == 404 and not FlagAction.objects.exists()


def test_branch_alerts_page(client, flagged, secretary_a, member_a):
    client.force_login(secretary_a)
    assert "缺席者" in client.get(reverse("branch-alerts", args=["A"])).content.decode()
    client.force_login(member_a)  # a plain member of the branch holds no viewing role
    assert client.get(reverse("branch-alerts", args=["A"])).status_code == 403


def test_member_page_shows_the_flag_and_secretary_records_the_workflow(client, flagged, secretary_a, absentee):
    client.force_login(secretary_a)
    page = client.get(reverse("member-detail", args=[absentee.pk])).content.decode()
    assert "连续未参加组织生活提醒" in page and reverse("flag-action", args=[flagged.pk]) in page
    url = reverse("flag-action", args=[flagged.pk])
    client.post(url, {"kind": "talk", "happened_on": "2026-07-03", "by_whom": "李书记", "notes": "已谈话"})
    client.post(url, {"kind": "decision", "happened_on": "2026-07-10", "notes": "支部大会研究：限期一个月恢复参加组织生活"})
    assert list(FlagAction.objects.values_list("kind", flat=True)) == ["talk", "decision"]
    assert Alert.objects.get(pk=flagged.pk).closed_at is None
    client.post(url, {"kind": "justified", "happened_on": "2026-07-11", "notes": "长期住院治疗，有病历"})
    assert Alert.objects.get(pk=flagged.pk).closed_at is not None
    assert Member.objects.get(pk=absentee.pk).status == Member.Status.NORMAL
    assert "长期住院治疗" in client.get(reverse("member-detail", args=[absentee.pk])).content.decode()


def test_viewer_may_read_but_not_record_the_workflow(client, flagged, viewer, absentee):
    client.force_login(viewer)
    page = client.get(reverse("member-detail", args=[absentee.pk])).content.decode()
    assert "连续未参加组织生活提醒" in page and reverse("flag-action", args=[flagged.pk]) not in page
    response = client.post(reverse("flag-action", args=[flagged.pk]),
                           {"kind": "talk", "happened_on": date(2026, 7, 3).isoformat(), "notes": "x"})
    assert response.status_code == 403


def test_inbox_unread_count_and_mark_read(client, flagged, secretary_a, secretary_b):
    client.force_login(secretary_a)
    unread = Notification.objects.filter(recipient=secretary_a, read_at__isnull=True).count()
    assert unread > 0
    home = client.get(reverse("inbox")).content.decode()
    assert f'<span class="badge">{unread}</span>' in home
    notice = Notification.objects.filter(recipient=secretary_a).first()
    client.force_login(secretary_b)
    assert client.post(reverse("inbox-read", args=[notice.pk])).status_code == 404
    assert "暂无通知" in client.get(reverse("inbox")).content.decode()
    client.force_login(secretary_a)
    client.post(reverse("inbox-read", args=[notice.pk]))
    assert Notification.objects.get(pk=notice.pk).read_at is not None
    client.post(reverse("inbox-read-all"))
    assert not Notification.objects.filter(recipient=secretary_a, read_at__isnull=True).exists()


def test_unread_count_costs_one_query(client, flagged, secretary_a, django_assert_max_num_queries):
    client.force_login(secretary_a)
    client.get(reverse("inbox"))
    with django_assert_max_num_queries(12):
        client.get(reverse("inbox"))
