"""Whether a meeting record is timely or 补记 (design.md, domain-rules "Clarifications").

A record is timely if it is entered before the end of the period it counts for, under the rule that
applies to its branch on its date, or within the rule's grace days after the meeting was held,
whichever is later. A meeting counting for several kinds is 补记 only if it is late for every
applicable period it counts for. "Applies" is judged as the compliance engine judges the period: by
the facts of the period's first day (党小组 that existed then, 正式党员 from membership history), so the
mark on a record and the state of the period it made up never disagree.

The meeting service stores the result on `Meeting.late_entry`; the API, the pages, the record book
and the dashboards read that flag.
"""

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.utils import timezone

from branches.models import Organization, PartyGroup
from meetings.compliance import not_applicable_reason
from meetings.models import QuotaRule
from meetings.periods import local_midnight
from meetings.policy import RuleBook, RulePeriod
from members.selectors import branch_facts_on

DEFAULT_GRACE_DAYS = QuotaRule._meta.get_field("grace_days").default  # for a kind no rule asks for


def _after_meeting(day: date, grace_days: int) -> datetime:
    """The end of the grace after the meeting day: held on the 20th with 10 days, timely through the 30th."""
    return local_midnight(day + timedelta(days=grace_days + 1))


def _applies(rp: RulePeriod, facts, party_group: PartyGroup | None) -> bool:
    if rp.rule.condition == QuotaRule.Condition.PER_GROUP:
        if party_group is not None:
            return party_group.existed_on(rp.period.start)
        return facts.has_groups
    return not not_applicable_reason(rp.rule, facts)


def entry_deadline(*, branch: Organization, kinds: Iterable[str], held_at: datetime,
                   party_group: PartyGroup | None = None, book: RuleBook | None = None,
                   facts: dict | None = None) -> datetime:
    """The instant from which a record of this meeting is 补记. A caller judging many meetings (the demo
    data) passes the loaded `book` and the `facts` of `branch_facts_on` it already holds; what is missing
    is read here."""
    day = timezone.localdate(held_at)
    book = book or RuleBook.load()
    candidates = [rp for kind in sorted(set(kinds)) for rp in book.rule_periods_containing(branch, kind, day)]
    facts = dict(facts or {})
    missing = {rp.period.start for rp in candidates} - {d for b, d in facts if b == branch.pk}
    if missing:
        facts.update(branch_facts_on([branch], days=sorted(missing)))
    deadlines = [max(local_midnight(rp.period.end), _after_meeting(day, rp.rule.grace_days))
                 for rp in candidates if _applies(rp, facts[(branch.pk, rp.period.start)], party_group)]
    if not deadlines:  # no rule asks for it (支委会 of a branch without a committee): the grace after the meeting
        deadlines = [_after_meeting(day, max((rp.rule.grace_days for rp in candidates), default=DEFAULT_GRACE_DAYS))]
    return max(deadlines)


def is_late_entry(*, branch: Organization, kinds: Iterable[str], held_at: datetime, recorded_at: datetime,
                  party_group: PartyGroup | None = None, book: RuleBook | None = None, facts: dict | None = None) -> bool:
    """补记: entered at or after `entry_deadline`."""
    return recorded_at >= entry_deadline(branch=branch, kinds=kinds, held_at=held_at, party_group=party_group,
                                         book=book, facts=facts)
