"""民主评议党员: the secretary's page (each step, the ballot, 组织评定 with the tally beside each member),
a member's ballot on his phone and his self-assessment."""

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone

from branches.access import SIGNED_IN, record_page
from branches.permissions import Perm, has_perm
from meetings.models import Kind, Meeting
from reviews import services
from reviews.forms import DISPOSITION_CHOICES, GRADE_CHOICES, ApplicationForm, MutualForm, SelfAssessmentForm
from reviews.models import GRADE_VALUES, Grade, MemberReview, Participant, Stage
from reviews.selectors import ballot_sheet, grading_check, tally, visible_member_reviews, voted_count

B = MemberReview.BallotStatus


def _visible(user):
    return visible_member_reviews(user).select_related("branch", "meeting")


def _review_meetings(review):
    return (Meeting.objects.filter(branch=review.branch, status=Meeting.Status.HELD, kinds__kind=Kind.MEMBER_REVIEW,
                                   held_at__year__in=[review.year, review.year + 1]).order_by("-held_at"))


def _participants(review) -> dict[int, Participant]:
    return {p.member_id: p for p in review.participants.select_related("member")}


def _member(review, raw) -> Participant:
    p = _participants(review).get(int(raw)) if str(raw).isdigit() else None
    if p is None:
        raise ValidationError("请选择参评党员。")
    return p


def _date(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        raise ValidationError(f"日期“{raw}”无效，请使用 2027-06-30 这样的格式。") from None


def _grade_entries(review, post) -> list[services.GradeEntry]:
    entries = []
    for p in _participants(review).values():
        if not p.takes_ballot:
            continue
        key = p.member_id
        entries.append(services.GradeEntry(
            p.member, post.get(f"grade-{key}", ""), post.get(f"note-{key}", ""), post.get(f"disposition-{key}", ""),
            post.get(f"follow-{key}", ""), _date(post.get(f"deadline-{key}", "")), bool(post.get(f"commended-{key}"))))
    return entries


def _paper_entries(review, post) -> list[services.PaperEntry]:
    entries = []
    for p in _participants(review).values():
        for grade in GRADE_VALUES:
            raw = post.get(f"paper-{p.member_id}-{grade}", "").strip()
            if raw == "":
                continue
            if not raw.isdigit():
                raise ValidationError(f"{p.member.name}的“{Grade(grade).label}”票数应为非负整数。")
            entries.append(services.PaperEntry(p.member, grade, int(raw)))
    if not entries:
        raise ValidationError("请至少填写一个票数。")
    return entries


def _act(request, review, action: str) -> str:
    user, now, post = request.user, timezone.now(), request.POST
    if action == "study":
        services.update_member_review(actor=user, review=review, now=now, study_summary=post.get("text", ""))
        return "已保存学习教育情况。"
    if action == "self":
        p = _member(review, post.get("member"))
        services.submit_self_assessment(actor=user, review=review, member=p.member, text=post.get("text", ""), now=now)
        return f"已录入{p.member.name}的个人自评。"
    if action == "excuse":
        p = _member(review, post.get("member"))
        services.excuse_participant(actor=user, review=review, member=p.member, reason=post.get("reason", ""))
        return f"已更新{p.member.name}的参加情况。"
    if action == "mutual":
        form = MutualForm(post, meetings=_review_meetings(review))
        if not form.is_valid():
            raise ValidationError("请填写党员互评情况。")
        services.update_member_review(actor=user, review=review, now=now, meeting=form.cleaned_data["meeting"],
                                      mutual_summary=form.cleaned_data["mutual_summary"])
        return "已保存党员互评情况。"
    if action == "advance":
        review = services.advance_review(actor=user, review=review, now=now)
        return "民主评议已完成。" if review.is_completed else f"已进入“{Stage(review.stage).label}”环节。"
    if action == "open-ballot":
        services.open_ballot(actor=user, review=review, now=now)
        return "民主测评投票已开始，党员可在手机上投票。"
    if action == "close-ballot":
        review = services.close_ballot(actor=user, review=review, now=now)
        return f"民主测评投票已结束，共{review.voters_count}人参加网上投票。"
    if action == "paper":
        n = services.enter_paper_counts(actor=user, review=review, counts=_paper_entries(review, post))
        return f"已录入纸质测评票统计{n}项。"
    if action == "grades":
        check = services.record_grades(actor=user, review=review, grades=_grade_entries(review, post), now=now)
        return "已保存组织评定结果。" + ("请核实“优秀”的比例（见组织评定）。" if check.warnings else "")
    if action == "application":
        form = ApplicationForm(post)
        if not form.is_valid():
            raise ValidationError("；".join(e for errors in form.errors.values() for e in errors))
        services.update_member_review(actor=user, review=review, now=now, **form.cleaned_data)
        return "已保存结果运用和备案情况。"
    if action == "outcome":
        p = _member(review, post.get("member"))
        services.record_correction_outcome(actor=user, review=review, member=p.member, outcome=post.get("outcome", ""),
                                           note=post.get("note", ""), now=now)
        return f"已记录{p.member.name}限期改正的结果。"
    if action == "reopen":
        services.reopen_review(actor=user, review=review, now=now)
        return "已撤回完成状态。"
    raise ValidationError("未知的操作。")


@record_page(Perm.VIEW, load=_visible)
def member_review_detail(request, review):
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            message = _act(request, review, action)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, message)
        return redirect(f"{request.path}#{action.split('-')[0] or 'top'}")
    review.refresh_from_db()
    participants = list(review.participants.select_related("member"))
    tally_rows = tally(review) if review.ballot_status == B.CLOSED else {}
    return render(request, "reviews/member_review.html", {
        "review": review, "branch": review.branch, "participants": participants,
        "voters": [p for p in participants if p.takes_ballot], "voted": voted_count(review),
        "blockers": services.stage_blockers(review) if not review.is_completed else [],
        "tally": tally_rows, "rows": [(p, tally_rows.get(p.member_id)) for p in participants],
        "check": grading_check(review), "can_record": has_perm(request.user, Perm.RECORD, review.branch),
        "mutual_form": MutualForm(initial={"meeting": review.meeting_id, "mutual_summary": review.mutual_summary},
                                  meetings=_review_meetings(review)),
        "application_form": ApplicationForm(initial={"application_summary": review.application_summary,
                                                     "reported_on": review.reported_on or timezone.localdate()}),
        "grade_choices": GRADE_CHOICES, "disposition_choices": DISPOSITION_CHOICES, "grades": Grade.choices,
        "steps": [(s, Stage(s).label, review.reached(s) and s != review.stage) for s in review.stages],
        "today": timezone.localdate(), "past_grading": review.reached(Stage.GRADING),
        "past_mutual": review.reached(Stage.MUTUAL),
    })


@record_page(SIGNED_IN, load=_visible)
def ballot(request, review):
    """The member's 民主测评 ballot, made for a phone: each colleague, four grades, submitted once."""
    member = getattr(request.user, "member", None)
    if request.method == "POST":
        grades = {}
        for key, value in request.POST.items():
            if key.startswith("g-") and key[2:].isdigit() and value:
                grades[int(key[2:])] = value
        try:
            cast = services.cast_ballot(actor=request.user, review=review, grades=grades)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, f"已投票（{cast}人）。投票不记名，提交后不能修改。")
        return redirect("member-review-ballot", pk=review.pk)
    sheet = ballot_sheet(review, member)
    return render(request, "reviews/ballot.html", {"review": review, "sheet": sheet, "grades": Grade.choices})


@record_page(SIGNED_IN, load=_visible)
def self_assessment(request, review):
    member = getattr(request.user, "member", None)
    participant = review.participants.filter(member=member).first() if member else None
    if participant is None:
        raise PermissionDenied("您不是本次民主评议的参评党员。")
    form = SelfAssessmentForm(request.POST or None, initial={"text": participant.self_assessment})
    if request.method == "POST" and form.is_valid():
        try:
            services.submit_self_assessment(actor=request.user, review=review, member=member,
                                            text=form.cleaned_data["text"], now=timezone.now())
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, "个人自评已提交。")
            return redirect("member-review-self", pk=review.pk)
    return render(request, "reviews/self_assessment.html", {
        "review": review, "form": form, "participant": participant,
        "open": review.stage in (Stage.STUDY, Stage.SELF)})
