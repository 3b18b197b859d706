"""The record book's sections that the campaigns fill (meetings.recordbook.register_section, called from
ReviewsConfig.ready): 组织生活会 with its 整改清单, 民主评议党员 (测评汇总, 评定结果, 处置), 谈心谈话 and
警示教育. Each provider loads its branch-year with a constant number of queries and keeps the default
section's meeting entries (the minutes of the meetings themselves)."""

from dataclasses import replace
from datetime import date

from django.db.models import Prefetch

from meetings.compliance import State
from meetings.models import Kind
from meetings.recordbook import BookSource, Section
from reviews.models import (
    Criticism,
    LifeMeeting,
    Material,
    MemberReview,
    Participant,
    RectificationItem,
    Talk,
    WarningEducation,
)
from reviews.selectors import grading_check, talk_coverage, tally


def life_meetings_section(src: BookSource, default: Section) -> Section:
    campaigns = list(
        LifeMeeting.objects.filter(branch=src.branch, period_start__year=src.year).select_related("meeting")
        .prefetch_related("opinions", Prefetch("materials", queryset=Material.objects.select_related("member")),
                          Prefetch("criticisms", queryset=Criticism.objects.select_related("speaker", "target")),
                          Prefetch("rectifications", queryset=RectificationItem.objects.select_related("owner")))
        .order_by("period_start"))
    linked = {c.meeting_id for c in campaigns}
    return replace(default, title="组织生活会记录及整改清单", template="reviews/pdf/_life_meetings.html",
                   notes=[], context={"campaigns": campaigns, "linked": linked},
                   empty_text="本年度暂无组织生活会记录。")


def member_reviews_section(src: BookSource, default: Section) -> Section:
    review = (MemberReview.objects.filter(branch=src.branch, year=src.year).select_related("meeting")
              .prefetch_related(Prefetch("participants", queryset=Participant.objects.select_related("member")
                                         .order_by("member__name", "member_id"))).first())
    context = {"review": review}
    if review is not None:
        participants = list(review.participants.all())
        context["participants"] = participants
        context["graded"] = [p for p in participants if p.takes_ballot]
        context["probationary"] = [p for p in participants if not p.is_full]
        context["excused"] = [p for p in participants if p.excused_reason]
        context["check"] = grading_check(review) if review.reached("grading") else None
        if review.ballot_status == MemberReview.BallotStatus.CLOSED:
            context["tally"] = list(tally(review).values())
    return replace(default, title="民主评议党员记录", template="reviews/pdf/_member_review.html", notes=[],
                   context=context, empty_text="本年度尚未开展民主评议党员。")


def talks_section(src: BookSource, default: Section) -> Section:
    talks = list(Talk.objects.filter(branch=src.branch, held_on__year=src.year).select_related("talker", "counterpart")
                 .order_by("held_on", "id"))
    coverage = talk_coverage(src.branch, year=src.year, at=min(src.as_of, date(src.year, 12, 31)))
    return replace(default, title="谈心谈话记录", template="reviews/pdf/_talks.html", notes=[],
                   context={"talks": talks, "coverage": coverage}, empty_text="本年度暂无谈心谈话记录。")


def warning_education_section(src: BookSource, default: Section) -> Section:
    meetings = {m.pk: m for m in src.meetings_of(Kind.WARNING_EDUCATION)}
    details = {w.meeting_id: w for w in WarningEducation.objects.filter(meeting_id__in=list(meetings))}
    rows = [(m, details.get(pk)) for pk, m in meetings.items()]
    rule = next((s for s in src.compliance if s.kind == Kind.WARNING_EDUCATION and s.state != State.NOT_APPLICABLE), None)
    return replace(default, template="reviews/pdf/_warning_education.html",
                   context={"rows": rows, "rule": rule})


SECTIONS = {Kind.LIFE_MEETING: life_meetings_section, Kind.MEMBER_REVIEW: member_reviews_section,
            "talks": talks_section, Kind.WARNING_EDUCATION: warning_education_section}
