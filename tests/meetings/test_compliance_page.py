"""The compliance page: the article itself under 依据, research notes for administrators only, a summary
line, filters by state and kind, met_late read as 补记完成."""

import pytest
import time_machine

from meetings.models import QuotaRule
from tests.meetings.conftest import local

pytestmark = pytest.mark.django_db
NOW = local(2026, 5, 20, 10)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def test_article_text_is_shown_and_research_notes_are_not(client, tree, secretary_a):
    client.force_login(secretary_a)
    page = client.get("/orgs/A/compliance/").content.decode()
    assert "党支部每月相对固定1天开展主题党日，组织党员集中学习" in page
    assert "种子文本" not in page and "[P]" not in page and "[U]" not in page and "研究备注" not in page


def test_administrator_sees_the_research_note(client, tree, admin_user):
    client.force_login(admin_user)
    page = client.get("/orgs/A/compliance/").content.decode()
    assert "研究备注" in page and "[P]" in page


def test_seeded_rules_keep_no_research_marks_in_their_citation():
    for article in QuotaRule.objects.filter(org__isnull=True).values_list("article", flat=True):
        assert "种子文本" not in article and "[P]" not in article and "[U]" not in article, article


def test_summary_line_and_filters_by_state_and_kind(client, tree, secretary_a):
    client.force_login(secretary_a)
    page = client.get("/orgs/A/compliance/").content.decode()
    summary = page[page.index('id="summary"'):page.index("</p>", page.index('id="summary"'))]
    assert "已逾期" in summary and "进行中" in summary
    overdue = client.get("/orgs/A/compliance/", {"state": "overdue"}).content.decode()
    table = overdue[overdue.index("<tbody>"):]
    assert "已逾期" in table and "进行中</span>" not in table
    lectures = client.get("/orgs/A/compliance/", {"kind": "party_lecture"}).content.decode()
    table = lectures[lectures.index("<tbody>"):]
    assert "<td>党课</td>" in table and "<td>主题党日</td>" not in table
    assert '<option value="party_lecture" selected>' in lectures


def test_met_late_reads_as_made_up(client, tree, secretary_a, record):
    record(tree["a"], ["party_lecture"], local(2026, 2, 10, 9), now=local(2026, 5, 1, 9))  # Q1 made up in May
    client.force_login(secretary_a)
    page = client.get("/orgs/A/compliance/", {"kind": "party_lecture"}).content.decode()
    assert "补记完成" in page


def test_outsider_gets_404(client, tree, secretary_b):
    client.force_login(secretary_b)
    assert client.get("/orgs/A/compliance/", {"state": "overdue"}).status_code == 404
