"""组织生活会: each step and its guard, the 整改清单, the report, and the engine counting only a completed
campaign (not a bare meeting of kind life_meeting)."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from core.models import AuditEntry
from meetings.compliance import State, compliance_for_branch
from meetings.models import CampaignCompletion, Kind, QuotaRule
from reviews import services
from reviews.models import LifeMeeting, RectificationItem
from reviews.selectors import life_meeting_checklist
from tests.factories import make_org
from tests.reviews.conftest import YEAR, hold, local

pytestmark = pytest.mark.django_db

S = LifeMeeting.Status


def life_state(branch, at):
    return next(s for s in compliance_for_branch(branch, year=YEAR, now=at) if s.kind == Kind.LIFE_MEETING)


def complete(lm, secretary_a, people, when=None):
    when = when or local(YEAR, 12, 5, 14)
    hold(lm, secretary_a, people, when)
    services.add_rectification(actor=secretary_a, life_meeting=lm, problem="学习不够系统", measure="制定学习计划",
                               owner=people["secretary"], deadline=date(YEAR + 1, 3, 31), now=when)
    services.publish_rectifications(actor=secretary_a, life_meeting=lm, published_on=when.date(), now=when)
    return services.submit_report(actor=secretary_a, life_meeting=lm, report_summary="会议开得严肃认真。",
                                  report_problems="学习不够系统。", reported_on=when.date(), now=when)


def test_campaign_period_follows_the_life_meeting_rule(tree, secretary_a):
    lm = services.create_life_meeting(actor=secretary_a, branch=tree["a"], topic="年度组织生活会", now=local(YEAR, 6, 1))
    assert (lm.period, lm.period_start, lm.period_end) == ("year", date(YEAR, 1, 1), date(YEAR, 12, 31))
    with pytest.raises(ValidationError) as exc:
        services.create_life_meeting(actor=secretary_a, branch=tree["a"], topic="再来一次", now=local(YEAR, 7, 1))
    assert exc.value.code == "conflict"


def test_an_organization_raising_it_to_quarterly_gets_quarter_campaigns(tree, secretary_a):
    QuotaRule.objects.create(kind=Kind.LIFE_MEETING, period="quarter", minimum=1, article="本区规定：每季度召开",
                             org=tree["d1"], effective_from=date(2020, 1, 1), counted_from="completions")
    lm = services.create_life_meeting(actor=secretary_a, branch=tree["a"], topic="三季度组织生活会", now=local(YEAR, 8, 1))
    assert (lm.period, lm.period_start, lm.period_end, lm.period_label) == (
        "quarter", date(YEAR, 7, 1), date(YEAR, 9, 30), f"{YEAR}年第3季度")


def test_outsider_cannot_create(tree, secretary_b):
    with pytest.raises(PermissionDenied):
        services.create_life_meeting(actor=secretary_b, branch=tree["a"], topic="x", now=local(YEAR, 6, 1))


def test_preparation_guard_lists_what_is_missing(tree, people, secretary_a):
    lm = services.create_life_meeting(actor=secretary_a, branch=tree["a"], topic="年度组织生活会", now=local(YEAR, 11, 1))
    with pytest.raises(ValidationError) as exc:
        hold(lm, secretary_a, people)
    message = exc.value.messages[0]
    assert exc.value.code == "conflict"
    assert "学习研讨" in message and "征求意见" in message and "王党员" in message and "周预备" in message


def test_checklist_counts_opinions_materials_and_talks(ready_life_meeting, people, secretary_a):
    services.record_talks(actor=secretary_a, branch=ready_life_meeting.branch, talker=people["secretary"],
                          held_on=date(YEAR, 11, 2), now=local(YEAR, 11, 2, 18),
                          entries=[services.TalkEntry(people["wang"], "谈思想")])
    checklist = life_meeting_checklist(ready_life_meeting, on=date(YEAR, 11, 20))
    assert checklist.ready and checklist.opinions == 6 and len(checklist.materials) == 7
    assert checklist.upper_topic == "学习贯彻党的二十大精神"
    assert not checklist.coverage.complete and ("赵党员" in [n for _i, n in checklist.coverage.uncovered])


def test_material_as_a_file_is_stored_and_checked(tree, people, member_a, secretary_a, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    lm = services.create_life_meeting(actor=secretary_a, branch=tree["a"], topic="年度组织生活会", now=local(YEAR, 11, 1))
    pdf = SimpleUploadedFile("王党员对照检查.pdf", b"%PDF-1.4\n...", content_type="application/pdf")
    material = services.submit_material(actor=member_a, life_meeting=lm, member=people["wang"], now=local(YEAR, 11, 2),
                                        upload=pdf, kind="check")
    assert material.filename == "王党员对照检查.pdf" and material.file.name.startswith(f"reviews/materials/{lm.pk}/")
    assert "王党员" not in material.file.name  # the stored name is random
    with pytest.raises(ValidationError, match="内容与扩展名"):
        services.submit_material(actor=member_a, life_meeting=lm, member=people["wang"], now=local(YEAR, 11, 2),
                                 upload=SimpleUploadedFile("x.pdf", b"MZ\x90\x00"))
    with pytest.raises(ValidationError, match="不支持的文件类型"):
        services.submit_material(actor=member_a, life_meeting=lm, member=people["wang"], now=local(YEAR, 11, 2),
                                 upload=SimpleUploadedFile("x.exe", b"MZ"))
    settings.REVIEWS_MATERIAL_MAX_BYTES = 10
    with pytest.raises(ValidationError, match="文件过大"):
        services.submit_material(actor=member_a, life_meeting=lm, member=people["wang"], now=local(YEAR, 11, 2),
                                 upload=SimpleUploadedFile("a.txt", "很长的文本内容".encode()))
    with pytest.raises(PermissionDenied):  # someone else's material
        services.submit_material(actor=member_a, life_meeting=lm, member=people["zhao"], now=local(YEAR, 11, 2), text="x")


def test_holding_records_a_life_meeting_with_attendance_and_criticisms(ready_life_meeting, people, secretary_a):
    lm = hold(ready_life_meeting, secretary_a, people)
    assert lm.status == S.HELD
    assert set(lm.meeting.kind_values) == {Kind.LIFE_MEETING, Kind.BRANCH_ASSEMBLY}
    assert lm.meeting.attendance.count() == 7
    first, second = lm.criticisms.order_by("position")
    assert first.speaker == people["secretary"] and first.is_self  # the 书记 first
    assert (second.speaker, second.target, second.content) == (people["wang"], people["zhao"], "学习不够深入")


def test_rectification_list_steps_and_guards(ready_life_meeting, people, secretary_a):
    lm = ready_life_meeting
    with pytest.raises(ValidationError, match="召开后"):
        services.add_rectification(actor=secretary_a, life_meeting=lm, problem="p", measure="m",
                                   deadline=date(YEAR + 1, 1, 1), now=local(YEAR, 11, 21))
    hold(lm, secretary_a, people)
    now = local(YEAR, 12, 6)
    with pytest.raises(ValidationError, match="还没有事项"):
        services.publish_rectifications(actor=secretary_a, life_meeting=lm, published_on=now.date(), now=now)
    item = services.add_rectification(actor=secretary_a, life_meeting=lm, problem="学习不够", measure="每月集中学习",
                                      owner=people["wang"], deadline=date(YEAR + 1, 2, 28), now=now)
    with pytest.raises(ValidationError, match="不能早于组织生活会"):
        services.add_rectification(actor=secretary_a, life_meeting=lm, problem="p", measure="m",
                                   deadline=date(YEAR, 12, 1), now=now)
    with pytest.raises(ValidationError, match="公示后才能"):
        services.submit_report(actor=secretary_a, life_meeting=lm, report_summary="s", report_problems="p",
                               reported_on=now.date(), now=now)
    lm = services.publish_rectifications(actor=secretary_a, life_meeting=lm, published_on=now.date(), now=now)
    item.refresh_from_db()
    assert lm.status == S.PUBLISHED and lm.published_on == item.published_on == now.date()
    with pytest.raises(ValidationError, match="不能删除"):
        services.delete_rectification(actor=secretary_a, item=item)
    with pytest.raises(ValidationError, match="完成情况说明"):
        services.update_rectification(actor=secretary_a, item=item, status="done", now=now)
    with pytest.raises(ValidationError, match="不能从"):
        services.update_rectification(actor=secretary_a, item=item, status="closed", now=now)
    item = services.update_rectification(actor=secretary_a, item=item, status="done", completion_note="已建立学习制度",
                                         now=now)
    assert item.completed_on == now.date()
    item = services.update_rectification(actor=secretary_a, item=item, status="closed", now=now)
    with pytest.raises(ValidationError, match="已销号"):
        services.update_rectification(actor=secretary_a, item=item, measure="改", now=now)
    assert AuditEntry.objects.filter(target_type="reviews.rectificationitem", target_id=str(item.pk)).count() == 4


def test_engine_counts_a_completed_campaign_and_not_a_bare_meeting(tree, ready_life_meeting, people, secretary_a,
                                                                   held_meeting):
    branch = tree["a"]
    held_meeting([Kind.LIFE_MEETING], local(YEAR, 10, 9, 9), topic="只记了一次会")  # a bare meeting of the kind
    assert life_state(branch, local(YEAR, 12, 1)).held == 0
    lm = hold(ready_life_meeting, secretary_a, people)
    assert life_state(branch, local(YEAR, 12, 6)).held == 0  # held, but the campaign is not done
    when = local(YEAR, 12, 8, 10)
    services.add_rectification(actor=secretary_a, life_meeting=lm, problem="p", measure="m", deadline=date(YEAR + 1, 1, 31),
                               now=when)
    services.publish_rectifications(actor=secretary_a, life_meeting=lm, published_on=when.date(), now=when)
    lm = services.submit_report(actor=secretary_a, life_meeting=lm, report_summary="总体情况", report_problems="问题",
                                reported_on=when.date(), now=when)
    assert lm.status == S.COMPLETED
    assert life_state(branch, local(YEAR, 12, 8, 9)).held == 0  # before it completed
    state = life_state(branch, local(YEAR, 12, 8, 11))
    assert (state.held, state.state) == (1, State.MET)
    assert "应完成1次，已完成1次" in state.explanation
    services.reopen_life_meeting(actor=secretary_a, life_meeting=lm, now=local(YEAR, 12, 9))
    assert life_state(branch, local(YEAR, 12, 9, 12)).held == 0
    assert not CampaignCompletion.objects.filter(branch=branch).exists()


def test_last_years_campaign_held_in_january_counts_for_its_year(tree, people, secretary_a):
    lm = services.create_life_meeting(actor=secretary_a, branch=tree["a"], topic="2025年度组织生活会",
                                      now=local(2025, 12, 20), study_summary="学习", on=date(2025, 12, 20))
    services.add_opinion(actor=secretary_a, life_meeting=lm, source_kind="talk", count=3, summary="意见")
    for member in people.values():
        services.submit_material(actor=secretary_a, life_meeting=lm, member=member, now=local(2025, 12, 21), text="材料")
    complete(lm, secretary_a, people, when=local(2026, 1, 8, 9))
    completion = CampaignCompletion.objects.get(branch=tree["a"])
    assert completion.counts_on == date(2025, 12, 31)
    state = next(s for s in compliance_for_branch(tree["a"], year=2025, now=local(2026, 1, 9)) if s.kind == Kind.LIFE_MEETING)
    assert state.held == 1


def test_rules_of_other_branches_are_unaffected(tree, ready_life_meeting, people, secretary_a):
    complete(ready_life_meeting, secretary_a, people)
    other = make_org("A9", parent=tree["d1"])
    state = next(s for s in compliance_for_branch(other, year=YEAR, now=local(YEAR, 12, 20)) if s.kind == Kind.LIFE_MEETING)
    assert state.held == 0


def test_follow_up_review_after_publication(ready_life_meeting, people, secretary_a):
    lm = complete(ready_life_meeting, secretary_a, people)
    lm = services.update_life_meeting(actor=secretary_a, life_meeting=lm, now=local(YEAR, 12, 20),
                                      follow_up_on=date(YEAR, 12, 20), follow_up_note="整改事项均在推进。")
    assert lm.follow_up_on == date(YEAR, 12, 20)
    with pytest.raises(ValidationError, match="将来"):
        services.update_life_meeting(actor=secretary_a, life_meeting=lm, now=local(YEAR, 12, 20),
                                     follow_up_on=date(YEAR, 12, 25))


def test_items_without_owner_belong_to_the_branch(ready_life_meeting, people, secretary_a):
    hold(ready_life_meeting, secretary_a, people)
    item = services.add_rectification(actor=secretary_a, life_meeting=ready_life_meeting, problem="p", measure="m",
                                      deadline=date(YEAR + 1, 1, 31), now=local(YEAR, 12, 6))
    assert item.owner is None and item.branch == ready_life_meeting.branch
    assert RectificationItem.objects.get(pk=item.pk).overdue_on(date(YEAR + 1, 2, 1))
    assert not item.overdue_on(date(YEAR + 1, 1, 31))
