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


def policy_values_on(keys: Iterable[str], orgs: Iterable[Organization], *, days: Iterable[date]) -> dict:
    """{(key, day): {org id: value}} for many keys, organizations and days with one query. An
    organization's value depends only on which of its ancestors carry an override, so each
    (key, day, overriding ancestors) is resolved once, however many organizations share it."""
    keys, orgs, days = list(keys), list(orgs), sorted(set(days))
    rows = list(PolicyValue.objects.filter(key__in=keys, effective_from__lte=days[-1] if days else date.min)
                .filter(Q(effective_to__isnull=True) | Q(effective_to__gt=days[0] if days else date.min))
                .order_by("effective_from").values_list("key", "org_id", "value", "effective_from", "effective_to"))
    overriding = {org_id for _k, org_id, *_rest in rows if org_id is not None}
    in_force = {}
    for key in keys:
        for day in days:
            values = {}
            for row_key, org_id, value, start, end in rows:  # a later effective_from overwrites an earlier one
                if row_key == key and start <= day and (end is None or end > day):
                    values[org_id] = value
            if None not in values:
                raise MissingPolicy(f"规则参数“{PolicyValue.Key(key).label}”在 {day} 没有全国默认值")
            in_force[(key, day)] = values
    signatures = {org.pk: tuple(a for a in org.ancestor_ids() if a in overriding) for org in orgs}
    distinct = set(signatures.values())
    result = {}
    for (key, day), values in in_force.items():
        by_signature = {sig: next((values[a] for a in reversed(sig) if a in values), values[None]) for sig in distinct}
        result[(key, day)] = {org_id: by_signature[sig] for org_id, sig in signatures.items()}
    return result
