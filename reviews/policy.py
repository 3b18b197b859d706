"""The campaigns' policy values for a branch on a date (branches.PolicyValue: the nearest override wins)."""

from dataclasses import dataclass
from datetime import date

from branches.models import Organization, PolicyValue
from branches.policy import policy_values
from meetings.models import Kind
from meetings.periods import Period, period_containing
from meetings.policy import RuleBook

P = PolicyValue.Key


@dataclass(frozen=True)
class CampaignPolicy:
    study_stage: bool  # 民主评议: 学习教育 before 个人自评
    application_stage: bool  # 民主评议: 结果运用 after 组织评定
    excellent_share: int  # 优秀 ≤ 党员总数 / N
    correction_months: int  # 限期改正, 一般一年
    report_days: int  # 组织生活会 → 报告上级 (local default, [U])
    talks_per_year: int  # 谈心谈话 per pair and year


def campaign_policy(branch: Organization, *, at: date) -> CampaignPolicy:
    keys = (P.REVIEW_STUDY_STAGE, P.REVIEW_APPLICATION_STAGE, P.REVIEW_EXCELLENT_SHARE, P.REVIEW_CORRECTION_MONTHS,
            P.LIFE_MEETING_REPORT_DAYS, P.TALKS_PER_YEAR)
    study, application, share, months, days, talks = (policy_values(key, [branch], at=at)[branch.pk] for key in keys)
    return CampaignPolicy(study_stage=bool(study), application_stage=bool(application), excellent_share=max(1, share),
                          correction_months=max(1, months), report_days=max(0, days), talks_per_year=max(1, talks))


def talks_per_year(branches: list[Organization], *, at: date) -> dict[int, int]:
    return {pk: max(1, n) for pk, n in policy_values(P.TALKS_PER_YEAR, branches, at=at).items()}


def life_meeting_period(branch: Organization, day: date) -> Period:
    """The period a 组织生活会 held around `day` belongs to: the organization's life_meeting rule (a year
    by default; an organization may set quarters or half-years, domain-rules §14.1)."""
    periods = RuleBook.load().periods_of_kind_containing(branch, Kind.LIFE_MEETING, day)
    return min(periods, key=lambda p: p.end - p.start) if periods else period_containing("year", day)
