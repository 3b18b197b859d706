"""A branch's campaigns of a year on one page: 组织生活会, 民主评议党员, 谈心谈话 coverage, 警示教育."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from branches.access import org_page
from branches.models import Organization
from branches.permissions import Perm, has_perm
from meetings.compliance import State, compliance_for_branch
from meetings.models import Kind, QuotaRule
from reviews import services
from reviews.forms import LifeMeetingForm
from reviews.models import LifeMeeting, MemberReview
from reviews.policy import life_meeting_period
from reviews.selectors import talk_coverage

BRANCH = Organization.Kind.BRANCH
FIRST_YEAR = 2020


def year_of(request) -> int:
    this_year = timezone.localdate().year
    raw = request.GET.get("year") or request.POST.get("year") or ""
    return int(raw) if raw.isdigit() and FIRST_YEAR <= int(raw) <= this_year + 1 else this_year


@org_page(Perm.VIEW, kind=BRANCH)
def campaigns(request, branch):
    year = year_of(request)
    now = timezone.now()
    states = {s.kind: s for s in compliance_for_branch(branch, year=year, now=now)
              if s.kind in (Kind.LIFE_MEETING, Kind.MEMBER_REVIEW, Kind.WARNING_EDUCATION, QuotaRule.HEART_TALKS)
              and s.state != State.NOT_APPLICABLE}
    this_year = timezone.localdate().year
    period = life_meeting_period(branch, timezone.localdate(now))
    life_meetings = list(LifeMeeting.objects.filter(branch=branch, period_start__year=year).order_by("period_start"))
    return render(request, "reviews/campaigns.html", {
        "period_free": year == this_year and not any(lm.period_start == period.start for lm in life_meetings),
        "period": period,
        "branch": branch, "year": year, "years": range(this_year, FIRST_YEAR - 1, -1),
        "life_meetings": life_meetings,
        "review": MemberReview.objects.filter(branch=branch, year=year).first(),
        "coverage": talk_coverage(branch, year=year, at=timezone.localdate(now)),
        "life_state": states.get(Kind.LIFE_MEETING), "review_state": states.get(Kind.MEMBER_REVIEW),
        "talks_state": states.get(QuotaRule.HEART_TALKS), "warning_state": states.get(Kind.WARNING_EDUCATION),
        "can_record": has_perm(request.user, Perm.RECORD, branch), "form": LifeMeetingForm(),
    })


@org_page(Perm.RECORD, kind=BRANCH)
@require_POST
def life_meeting_create(request, branch):
    form = LifeMeetingForm(request.POST)
    if form.is_valid():
        try:
            lm = services.create_life_meeting(actor=request.user, branch=branch, now=timezone.now(), **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, f"已建立{lm.period_label}组织生活会，请完成会前准备。")
            return redirect("life-meeting", pk=lm.pk)
    else:
        messages.error(request, "请填写会议主题。")
    return redirect("campaigns", code=branch.code)


@org_page(Perm.RECORD, kind=BRANCH)
@require_POST
def member_review_create(request, branch):
    try:
        review = services.create_member_review(actor=request.user, branch=branch, year=year_of(request), now=timezone.now())
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("campaigns", code=branch.code)
    messages.success(request, f"已开展{review.year}年度民主评议党员，参评党员{review.participants.count()}人。")
    return redirect("member-review", pk=review.pk)
