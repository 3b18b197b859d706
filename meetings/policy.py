"""The quota rules in force: which rule applies to a branch for each period.

Rules are few (tens of rows), so they are loaded once and resolved in Python. Resolution depends
only on which of a branch's ancestors carry overrides, so results are memoized by that signature:
thousands of branches without overrides share one computation.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from branches.models import Organization
from meetings.models import QuotaRule
from meetings.periods import Period, is_period_start, period_containing, period_starting


@dataclass(frozen=True)
class RulePeriod:
    rule: QuotaRule
    period: Period


class RuleBook:
    def __init__(self, rules: list[QuotaRule]):
        self._by_key_org: dict[tuple, list[QuotaRule]] = defaultdict(list)
        for rule in sorted(rules, key=lambda r: r.effective_from):
            self._by_key_org[(rule.key, rule.org_id)].append(rule)
        self.keys = sorted({rule.key for rule in rules})
        self._override_orgs = {rule.org_id for rule in rules if rule.org_id}
        self._memo: dict[tuple, list[RulePeriod]] = {}
        # the shortest 补记 window of any rule: a record entered sooner after its meeting is on time for every period
        self.min_grace_days = min((rule.grace_days for rule in rules), default=0)
        # the sets of kinds the all-activities totals count (usually one): one grouped query each
        self.counted_kind_sets = sorted({rule.counted_kind_set for rule in rules if rule.kind == QuotaRule.ALL_ACTIVITIES},
                                        key=sorted)

    @classmethod
    def load(cls) -> "RuleBook":
        return cls(list(QuotaRule.objects.all()))

    def _signature(self, branch: Organization) -> tuple[int, ...]:
        return tuple(a for a in branch.ancestor_ids() if a in self._override_orgs)

    def _in_force(self, key: tuple, signature: tuple[int, ...], day: date) -> QuotaRule | None:
        """The nearest organization's rule for `key` in force on `day`, else the national one."""
        for org_id in (*reversed(signature), None):
            for rule in reversed(self._by_key_org.get((key, org_id), ())):
                if rule.effective_from <= day and (rule.effective_to is None or rule.effective_to > day):
                    return rule
        return None

    def periods(self, branch: Organization, year: int) -> list[RulePeriod]:
        """Every (rule, period) of `year` for the branch; a period is judged by the rule in force when it began."""
        signature = self._signature(branch)
        memo_key = (signature, year)
        if memo_key not in self._memo:
            found = []
            for key in self.keys:
                for month in range(1, 13):
                    rule = self._in_force(key, signature, date(year, month, 1))
                    if rule is not None and is_period_start(rule.period, month):
                        found.append(RulePeriod(rule, period_starting(rule.period, year, month)))
            self._memo[memo_key] = found
        return self._memo[memo_key]

    def rule_periods_containing(self, branch: Organization, kind: str, day: date) -> list[RulePeriod]:
        """The rules of `kind` in force on `day` for the branch, each with its period containing `day`,
        whatever their condition (meetings.timeliness keeps those that apply to the branch then)."""
        signature = self._signature(branch)
        result = []
        for key in self.keys:
            if key[0] != kind:
                continue
            rule = self._in_force(key, signature, day)
            if rule is not None:
                result.append(RulePeriod(rule, period_containing(rule.period, day)))
        return result

    def periods_of_kind_containing(self, branch: Organization, kind: str, day: date) -> list[Period]:
        """The periods of the rules of `kind` in force on `day` that contain it."""
        return [rp.period for rp in self.rule_periods_containing(branch, kind, day)]
