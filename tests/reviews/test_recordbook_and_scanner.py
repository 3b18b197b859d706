"""The record book of a year with completed campaigns prints all four sections with their content (read
back with pypdf); the providers load in a constant number of queries; overdue 整改 items and ended
限期改正 raise rectification_overdue alerts that close when the item is done or the outcome recorded."""

import io
from datetime import date

import pytest
from pypdf import PdfReader

from inspections import scanners
from inspections.models import Alert
from meetings.models import Kind
from meetings.recordbook import build_record_book, load_source, record_book_pdf
from meetings.services import Mark
from reviews import services
from reviews.models import MemberReview, Stage
from reviews.recordbook import SECTIONS
from tests.reviews.conftest import YEAR, hold, local

pytestmark = pytest.mark.django_db
K = Alert.Kind


@pytest.fixture
def campaign_year(tree, people, secretary_a, ready_life_meeting, held_meeting):
    """Branch A's 2026 with every campaign completed."""
    branch = tree["a"]
    lm = hold(ready_life_meeting, secretary_a, people)
    when = local(YEAR, 12, 6, 10)
    services.add_rectification(actor=secretary_a, life_meeting=lm, problem="理论学习不够系统深入", measure="制定月度学习计划并督促落实",
                               owner=people["secretary"], deadline=date(YEAR + 1, 3, 31), now=when)
    services.publish_rectifications(actor=secretary_a, life_meeting=lm, published_on=when.date(), now=when)
    services.submit_report(actor=secretary_a, life_meeting=lm, report_summary="会议达到了预期目的。",
                           report_problems="理论学习不够系统。", reported_on=when.date(), now=when)

    review = services.create_member_review(actor=secretary_a, branch=branch, year=YEAR, now=when)
    meeting = held_meeting([Kind.MEMBER_REVIEW], local(YEAR, 12, 6, 14), topic="民主评议党员大会")
    services.update_member_review(actor=secretary_a, review=review, now=when, study_summary="学习党章。",
                                  mutual_summary="开展互评。", meeting=meeting)
    MemberReview.objects.filter(pk=review.pk).update(stage=Stage.BALLOT)
    services.open_ballot(actor=secretary_a, review=review, now=when)
    services.cast_ballot(actor=people["zhao"].user, review=review, grades={people["wang"].pk: "excellent"})
    services.close_ballot(actor=secretary_a, review=review, now=when)
    MemberReview.objects.filter(pk=review.pk).update(stage=Stage.GRADING)
    services.record_grades(actor=secretary_a, review=review, now=when, grades=[
        services.GradeEntry(people[k], "qualified") for k in ("secretary", "organizer", "zhao", "qian", "sun")
    ] + [services.GradeEntry(people["wang"], "excellent", note="发挥先锋模范作用", commended=True)])
    services.advance_review(actor=secretary_a, review=review, now=when)
    services.update_member_review(actor=secretary_a, review=review, now=when, application_summary="表彰王党员。",
                                  reported_on=when.date())
    services.advance_review(actor=secretary_a, review=review, now=when)

    services.record_talks(actor=secretary_a, branch=branch, talker=people["secretary"], held_on=date(YEAR, 11, 3),
                          now=local(YEAR, 11, 3, 18), place="书记办公室",
                          entries=[services.TalkEntry(people["zhao"], "谈思想动态和工作困难", "希望多组织学习")])
    services.record_warning_education(actor=secretary_a, branch=branch, held_at=local(YEAR, 9, 12, 9), now=when,
                                      topic="参观廉政教育基地", form="base", material="市廉政教育基地",
                                      reflections="警钟长鸣。", attendance={people["sun"].pk: Mark("leave", "出差")})
    return branch


def test_the_book_prints_all_four_sections_with_their_content(campaign_year):
    rendered = record_book_pdf(branch=campaign_year, year=YEAR, now=local(YEAR, 12, 20))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(rendered.pdf)).pages).replace(" ", "")
    for expected in (
        "组织生活会记录及整改清单", "2026年度组织生活会", "学习贯彻党的二十大精神", "会议通知不及时", "书记报告支部一年工作",
        "学习不够深入", "理论学习不够系统深入", "制定月度学习计划并督促落实", "已报告上级",  # 组织生活会, 整改清单
        "民主评议党员记录", "民主测评汇总", "发挥先锋模范作用", "不评定等次", "表彰王党员",  # 民主评议
        "谈心谈话记录", "谈思想动态和工作困难", "希望多组织学习", "书记办公室",  # 谈心谈话
        "警示教育记录", "参观警示教育基地", "市廉政教育基地", "警钟长鸣", "目标2次",  # 警示教育
    ):
        assert expected in text, expected
    assert "本系统尚未记录整改清单" not in text and "本系统尚未记录谈心谈话" not in text


def test_providers_load_in_a_constant_number_of_queries(campaign_year, django_assert_max_num_queries):
    src = load_source(branch=campaign_year, year=YEAR, now=local(YEAR, 12, 20))
    from meetings.recordbook.sections import Section

    default = Section("x", "x", "_notes.html")
    budgets = {Kind.LIFE_MEETING: 5, Kind.MEMBER_REVIEW: 5, "talks": 4, Kind.WARNING_EDUCATION: 1}
    for key, provider in SECTIONS.items():
        with django_assert_max_num_queries(budgets[key]):
            provider(src, default)


def test_a_book_without_campaigns_says_so(tree):
    book = build_record_book(branch=tree["b"], year=YEAR, now=local(YEAR, 12, 20))
    keys = {s.key: s for s in book.sections}
    assert keys[Kind.LIFE_MEETING].context["campaigns"] == [] and keys[Kind.MEMBER_REVIEW].context["review"] is None


def open_alerts():
    return Alert.objects.filter(kind=K.RECTIFICATION_OVERDUE, closed_at__isnull=True)


def test_overdue_items_raise_alerts_that_close_when_done(tree, people, secretary_a, ready_life_meeting):
    lm = hold(ready_life_meeting, secretary_a, people)
    item = services.add_rectification(actor=secretary_a, life_meeting=lm, problem="学习不够", measure="每月学习",
                                      owner=people["wang"], deadline=date(YEAR, 12, 31), now=local(YEAR, 12, 6))
    assert scanners.scan_rectifications(now=local(YEAR, 12, 31, 23, 59)).open == 0  # the deadline day is in time
    result = scanners.scan_rectifications(now=local(YEAR + 1, 1, 1, 0, 0))
    alert = open_alerts().get()
    assert result.opened == 1 and alert.level == "warning" and alert.member == people["wang"]
    assert "已逾期1天" in alert.explanation and alert.subject == f"rectification:{item.pk}"
    assert scanners.scan_rectifications(now=local(YEAR + 1, 1, 1, 1, 0)).opened == 0  # idempotent
    scanners.scan_rectifications(now=local(YEAR + 1, 2, 1))
    assert open_alerts().get().level == "serious"
    services.update_rectification(actor=secretary_a, item=item, status="done", completion_note="已建立制度",
                                  now=local(YEAR + 1, 2, 2))
    result = scanners.scan_rectifications(now=local(YEAR + 1, 2, 2, 12))
    assert result.closed == 1 and not open_alerts().exists()


def test_a_finished_item_closes_its_alert_at_once(tree, people, secretary_a, ready_life_meeting,
                                                  django_capture_on_commit_callbacks):
    lm = hold(ready_life_meeting, secretary_a, people)
    item = services.add_rectification(actor=secretary_a, life_meeting=lm, problem="p", measure="m",
                                      deadline=date(YEAR, 12, 10), now=local(YEAR, 12, 6))
    scanners.scan_rectifications(now=local(YEAR, 12, 20))
    assert open_alerts().exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.update_rectification(actor=secretary_a, item=item, status="done", completion_note="完成",
                                      now=local(YEAR, 12, 20))
    assert not open_alerts().exists()


def test_an_ended_correction_raises_an_alert_until_its_outcome(tree, people, secretary_a):
    review = services.create_member_review(actor=secretary_a, branch=tree["a"], year=YEAR, now=local(YEAR, 12, 1))
    MemberReview.objects.filter(pk=review.pk).update(stage=Stage.GRADING, ballot_status="closed")
    services.record_grades(actor=secretary_a, review=review, now=local(YEAR, 12, 1), grades=[
        services.GradeEntry(people["sun"], "unqualified", disposition="correct", follow_up="帮扶",
                            correction_deadline=date(YEAR + 1, 6, 30))])
    assert scanners.scan_rectifications(now=local(YEAR + 1, 6, 30, 23)).open == 0
    scanners.scan_rectifications(now=local(YEAR + 1, 7, 1, 8))
    alert = open_alerts().get()
    assert alert.subject.startswith("correction:") and alert.member == people["sun"] and "限期改正" in alert.explanation
    services.record_correction_outcome(actor=secretary_a, review=review, member=people["sun"], outcome="corrected",
                                       note="支部大会认定已改正", now=local(YEAR + 1, 7, 2))
    assert scanners.scan_rectifications(now=local(YEAR + 1, 7, 2, 12)).closed == 1


def test_the_daily_scan_includes_both(tree, people, secretary_a, ready_life_meeting):
    names = [r.name for r in scanners.scan_compliance(now=local(YEAR, 12, 20))]
    assert "整改" in names and "谈心谈话覆盖" in names
