"""民主评议党员: each step and its guard, the policy's optional steps, 组织评定 (1/3 warning, 预备党员 not
graded, follow-up for 基本合格/不合格 with a 限期改正 deadline), and the engine counting only a completed
review."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from branches.models import PolicyValue
from meetings.compliance import compliance_for_branch
from meetings.models import Exemption, Kind
from reviews import services
from reviews.models import MemberReview, Stage
from reviews.selectors import grading_check
from tests.reviews.conftest import YEAR, local

pytestmark = pytest.mark.django_db

NOW = local(YEAR, 11, 25, 10)
ALL = ["study", "self_assessment", "mutual", "ballot", "grading", "application"]


def review_state(branch, at):
    return next(s for s in compliance_for_branch(branch, year=YEAR, now=at) if s.kind == Kind.MEMBER_REVIEW)


@pytest.fixture
def review(tree, people, secretary_a):
    return services.create_member_review(actor=secretary_a, branch=tree["a"], year=YEAR, now=NOW)


def advance(review, secretary_a, now=NOW):
    return services.advance_review(actor=secretary_a, review=review, now=now)


def to_ballot(review, secretary_a, people, held_meeting):
    review = services.update_member_review(actor=secretary_a, review=review, now=NOW, study_summary="学习党章。")
    review = advance(review, secretary_a)
    for member in people.values():
        services.submit_self_assessment(actor=secretary_a, review=review, member=member, text="自评", now=NOW)
    review = advance(review, secretary_a)
    meeting = held_meeting([Kind.MEMBER_REVIEW, Kind.BRANCH_ASSEMBLY], local(YEAR, 11, 26, 14), topic="民主评议党员大会")
    review = services.update_member_review(actor=secretary_a, review=review, now=NOW, meeting=meeting,
                                           mutual_summary="逐一开展互评。")
    return advance(review, secretary_a)


def test_participants_from_the_roster_with_categories_and_exemptions(tree, people, secretary_a):
    Exemption.objects.create(branch=tree["a"], member=people["sun"], reason="sick", starts_on=date(YEAR, 1, 1),
                             ends_on=date(YEAR, 12, 31), status="approved")
    review = services.create_member_review(actor=secretary_a, branch=tree["a"], year=YEAR, now=NOW)
    parts = {p.member.name: p for p in review.participants.select_related("member")}
    assert len(parts) == 7 and review.stages == ALL and review.stage == Stage.STUDY
    assert parts["周预备"].category == "probationary" and not parts["周预备"].takes_ballot
    assert parts["孙党员"].excused_reason.startswith("暂不参加组织生活") and not parts["孙党员"].takes_ballot
    with pytest.raises(ValidationError) as exc:
        services.create_member_review(actor=secretary_a, branch=tree["a"], year=YEAR, now=NOW)
    assert exc.value.code == "conflict"


def test_an_organization_may_drop_the_first_and_last_steps(tree, people, secretary_a):
    for key in (PolicyValue.Key.REVIEW_STUDY_STAGE, PolicyValue.Key.REVIEW_APPLICATION_STAGE):
        PolicyValue.objects.create(key=key, org=tree["d1"], value=0, effective_from=date(2020, 1, 1), article="本区")
    review = services.create_member_review(actor=secretary_a, branch=tree["a"], year=YEAR, now=NOW)
    assert review.stages == ["self_assessment", "mutual", "ballot", "grading"] and review.stage == Stage.SELF


def test_each_step_has_a_guard(review, people, secretary_a, held_meeting, member_a):
    def blocked(match):
        with pytest.raises(ValidationError, match=match) as exc:
            advance(review, secretary_a)
        assert exc.value.code == "conflict"

    blocked("学习教育情况")
    review = services.update_member_review(actor=secretary_a, review=review, now=NOW, study_summary="学习党章。")
    review = advance(review, secretary_a)
    assert review.stage == Stage.SELF
    services.submit_self_assessment(actor=member_a, review=review, member=people["wang"], text="按党员标准自评。", now=NOW)
    with pytest.raises(PermissionDenied):
        services.submit_self_assessment(actor=member_a, review=review, member=people["zhao"], text="代写", now=NOW)
    blocked("尚未提交个人自评")
    for member in people.values():
        if member != people["wang"]:
            services.submit_self_assessment(actor=secretary_a, review=review, member=member, text="自评", now=NOW)
    review = advance(review, secretary_a)
    assert review.stage == Stage.MUTUAL
    with pytest.raises(ValidationError, match="个人自评环节已结束"):
        services.submit_self_assessment(actor=member_a, review=review, member=people["wang"], text="改", now=NOW)
    blocked("关联开展党员互评的会议")
    theme = held_meeting([Kind.THEME_DAY], local(YEAR, 11, 26, 9))
    with pytest.raises(ValidationError, match="不是民主评议党员会议"):
        services.update_member_review(actor=secretary_a, review=review, now=NOW, meeting=theme)
    meeting = held_meeting([Kind.MEMBER_REVIEW], local(YEAR, 11, 26, 14))
    review = services.update_member_review(actor=secretary_a, review=review, now=NOW, meeting=meeting,
                                           mutual_summary="逐一互评。")
    review = advance(review, secretary_a)
    assert review.stage == Stage.BALLOT
    blocked("投票尚未结束")
    review = services.open_ballot(actor=secretary_a, review=review, now=NOW)
    blocked("投票尚未结束")
    review = services.close_ballot(actor=secretary_a, review=review, now=NOW)
    review = advance(review, secretary_a)
    assert review.stage == Stage.GRADING
    blocked("尚未评定等次")


def grade(review, secretary_a, people, **overrides):
    grades = {"secretary": "excellent", "organizer": "qualified", "wang": "qualified", "zhao": "qualified",
              "qian": "qualified", "sun": "qualified"} | overrides
    entries = [services.GradeEntry(people[key], g) if not isinstance(g, services.GradeEntry) else g
               for key, g in grades.items()]
    return services.record_grades(actor=secretary_a, review=review, grades=entries, now=NOW)


@pytest.fixture
def grading(review, people, secretary_a, held_meeting):
    review = to_ballot(review, secretary_a, people, held_meeting)
    review = services.open_ballot(actor=secretary_a, review=review, now=NOW)
    review = services.close_ballot(actor=secretary_a, review=review, now=NOW)
    return advance(review, secretary_a)


def test_probationary_members_are_not_graded(grading, people, secretary_a):
    with pytest.raises(ValidationError, match="预备党员参加评议，但不评定等次"):
        grade(grading, secretary_a, people, zhou="qualified")


def test_excellent_above_one_third_warns_but_saves(grading, people, secretary_a):
    # 7 participants (党员总数, 正式 and 预备): 1/3 is 2.33, so 2 优秀 are fine and 3 are not.
    check = grade(grading, secretary_a, people, organizer="excellent")
    assert check.warnings == () and check.excellent == 2 and check.total == 7
    check = grade(grading, secretary_a, people, organizer="excellent", wang="excellent")
    assert check.excellent == 3
    assert check.warnings == ("评定为“优秀”的有3人，超过党员总数7人的1/3（一般不超过2人），请核实。",)
    assert grading_check(MemberReview.objects.get(pk=grading.pk)).warnings == check.warnings


def test_the_share_is_policy(tree, grading, people, secretary_a):
    grading.excellent_share = 4  # fixed when the review began, from the policy in force
    grading.save()
    check = grade(grading, secretary_a, people, organizer="excellent")
    assert check.warnings and "1/4" in check.warnings[0]


def test_low_grades_need_a_follow_up_and_correction_gets_a_deadline(grading, people, secretary_a):
    grade(grading, secretary_a, people, sun="unqualified")
    with pytest.raises(ValidationError, match="须记录处置和帮助措施"):
        advance(grading, secretary_a)
    with pytest.raises(ValidationError, match="不需要处置"):
        grade(grading, secretary_a, people, zhao=services.GradeEntry(people["zhao"], "qualified", disposition="correct"))
    grade(grading, secretary_a, people, sun=services.GradeEntry(people["sun"], "unqualified", disposition="correct",
                                                                 follow_up="支部书记结对帮扶，每月谈话。",
                                                                 note="长期不参加组织生活"))
    sun = grading.participants.get(member=people["sun"])
    assert sun.correction_deadline == date(YEAR + 1, 11, 25)  # 一般一年 (policy: 12 months)
    review = advance(grading, secretary_a)
    assert review.stage == Stage.APPLICATION
    with pytest.raises(ValidationError, match="等次不能再修改"):
        grade(review, secretary_a, people, sun="qualified")


def test_completion_needs_the_application_and_the_filing(grading, people, secretary_a, tree):
    grade(grading, secretary_a, people)
    review = advance(grading, secretary_a)
    with pytest.raises(ValidationError, match="结果运用情况") as exc:
        advance(review, secretary_a)
    assert "备案" in exc.value.messages[0]
    assert review_state(tree["a"], local(YEAR, 12, 1)).held == 0
    review = services.update_member_review(actor=secretary_a, review=review, now=local(YEAR, 12, 1),
                                           application_summary="表彰优秀党员1名。", reported_on=date(YEAR, 12, 1))
    review = advance(review, secretary_a, now=local(YEAR, 12, 1, 12))
    assert review.is_completed
    assert review_state(tree["a"], local(YEAR, 12, 1, 11)).held == 0
    assert review_state(tree["a"], local(YEAR, 12, 1, 13)).held == 1
    review = services.reopen_review(actor=secretary_a, review=review, now=local(YEAR, 12, 2))
    assert review.stage == Stage.APPLICATION and review_state(tree["a"], local(YEAR, 12, 2, 12)).held == 0


def test_a_bare_member_review_meeting_does_not_meet_the_rule(tree, held_meeting):
    held_meeting([Kind.MEMBER_REVIEW, Kind.BRANCH_ASSEMBLY], local(YEAR, 11, 26, 14))
    assert review_state(tree["a"], local(YEAR, 12, 31, 23)).held == 0


def test_without_the_last_step_grading_completes_it(tree, people, secretary_a, held_meeting):
    PolicyValue.objects.create(key=PolicyValue.Key.REVIEW_APPLICATION_STAGE, org=tree["a"], value=0,
                               effective_from=date(2020, 1, 1), article="本支部")
    review = services.create_member_review(actor=secretary_a, branch=tree["a"], year=YEAR, now=NOW)
    review = to_ballot(review, secretary_a, people, held_meeting)
    services.open_ballot(actor=secretary_a, review=review, now=NOW)
    services.close_ballot(actor=secretary_a, review=review, now=NOW)
    review = advance(review, secretary_a)
    grade(review, secretary_a, people)
    with pytest.raises(ValidationError, match="备案"):
        advance(review, secretary_a)
    services.update_member_review(actor=secretary_a, review=review, now=NOW, reported_on=NOW.date())
    assert advance(review, secretary_a).is_completed


def test_correction_outcome(grading, people, secretary_a):
    grade(grading, secretary_a, people, sun=services.GradeEntry(people["sun"], "basically_qualified", disposition="correct",
                                                                 follow_up="帮扶", correction_deadline=date(YEAR + 1, 6, 30)))
    with pytest.raises(ValidationError, match="请说明处理情况"):
        services.record_correction_outcome(actor=secretary_a, review=grading, member=people["sun"], outcome="corrected",
                                           note="", now=local(YEAR + 1, 7, 1))
    p = services.record_correction_outcome(actor=secretary_a, review=grading, member=people["sun"], outcome="corrected",
                                           note="经支部大会认定已改正。", now=local(YEAR + 1, 7, 1))
    assert p.correction_outcome == "corrected"


def test_outsider_cannot_act(review, secretary_b):
    with pytest.raises(PermissionDenied):
        services.advance_review(actor=secretary_b, review=review, now=NOW)
