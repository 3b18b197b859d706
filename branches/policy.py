"""Resolve threshold values (PolicyValue) for organizations at a date: the nearest override wins."""

from collections.abc import Iterable
from datetime import date

from django.db.models import Q

from branches.models import Organization, PolicyValue


class MissingPolicy(LookupError):
    pass


def _values_at(key: str, at: date) -> dict[int | None, int]:
    rows = (
        PolicyValue.objects.filter(key=key, effective_from__lte=at)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gt=at))
        .order_by("effective_from")
        .values_list("org_id", "value")
    )
    return dict(rows)  # a later effective_from overwrites an earlier one


def policy_values(key: str, orgs: Iterable[Organization], *, at: date) -> dict[int, int]:
    """{org id: value} for many organizations with one query."""
    values = _values_at(key, at)
    if None not in values:
        raise MissingPolicy(f"规则参数“{PolicyValue.Key(key).label}”在 {at} 没有全国默认值")
    result = {}
    for org in orgs:
        result[org.pk] = next(
            (values[ancestor] for ancestor in reversed(org.ancestor_ids()) if ancestor in values), values[None]
        )
    return result


def policy_value(key: str, org: Organization, *, at: date) -> int:
    return policy_values(key, [org], at=at)[org.pk]
