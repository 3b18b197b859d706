"""The audit trail: services call these inside their transaction.

`changes` maps a field name to [old, new]. Fields in a model's AUDIT_SECRET_FIELDS (a keyed
digest) are recorded as a short fingerprint of it, so a change shows without the value; fields in
AUDIT_EXCLUDE_FIELDS (ciphertext, which differs on every write) are left out.
"""

from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache

from django.db import models
from django.db.models.fields.files import FieldFile

from core.bulk import bulk_insert
from core.models import AuditEntry

MASK = "***"


_AS_IS = frozenset({str, int, bool, float, type(None)})


def _plain(value):
    if type(value) in _AS_IS:  # most values: checked first, a roster import snapshots 270,000 of them
        return value
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, FieldFile):  # a file field is audited by its stored name
        return value.name or ""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).isoformat()  # one form for a value read back and one just typed in
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


@cache
def _audited_fields(model: type[models.Model]) -> tuple[tuple[str, str, bool], ...]:
    """(name, attname, secret) of the fields a snapshot records, worked out once per model."""
    secret = set(getattr(model, "AUDIT_SECRET_FIELDS", ()))
    excluded = set(getattr(model, "AUDIT_EXCLUDE_FIELDS", ()))
    # auto_now is left out: the entry's own time says when, and it would make every save look like a change
    return tuple((field.name, field.attname, field.name in secret) for field in model._meta.concrete_fields
                 if not (field.primary_key or field.name in excluded or getattr(field, "auto_now", False)))


def snapshot(instance: models.Model) -> dict:
    """The audited field values of an instance, as JSON-ready values."""
    data = {}
    for name, attname, secret in _audited_fields(type(instance)):
        value = getattr(instance, attname)
        if secret and value:
            value = MASK + str(value)[:6]
        data[name] = _plain(value)
    return data


def diff(before: dict, after: dict) -> dict:
    return {name: [before.get(name), new] for name, new in after.items() if before.get(name) != new}


def _entry(*, actor, action, instance, changes, source) -> AuditEntry:
    person = actor if getattr(actor, "pk", None) else None
    return AuditEntry(
        actor=person,
        actor_name=person.get_username() if person is not None else "",
        action=action,
        target_type=instance._meta.label_lower,
        target_id=str(instance.pk),
        target_repr=str(instance)[:200],
        changes=changes,
        source=source,
    )


def record_create(*, actor, instance: models.Model, source: str = "web", state: dict | None = None) -> None:
    changes = snapshot(instance) if state is None else state
    _entry(actor=actor, action=AuditEntry.Action.CREATE, instance=instance, changes=changes, source=source).save()


def record_update(*, actor, instance: models.Model, before: dict, source: str = "web", after: dict | None = None) -> dict:
    """Record what changed since `before` (a snapshot); returns the changes (empty: nothing written).
    `after` replaces the instance's snapshot when the record is more than its row (a meeting's kinds
    and attendance: the caller snapshots both sides the same way)."""
    changes = diff(before, snapshot(instance) if after is None else after)
    if changes:
        _entry(actor=actor, action=AuditEntry.Action.UPDATE, instance=instance, changes=changes, source=source).save()
    return changes


def record_delete(*, actor, instance: models.Model, source: str = "web") -> None:
    _entry(actor=actor, action=AuditEntry.Action.DELETE, instance=instance, changes=snapshot(instance), source=source).save()


def record_many(*, actor, action: str, items: Iterable[tuple[models.Model, dict]], source: str) -> int:
    """Bulk form for bulk_create/bulk_update callers: one INSERT for many entries."""
    entries = [_entry(actor=actor, action=action, instance=obj, changes=changes, source=source) for obj, changes in items]
    bulk_insert(AuditEntry, entries, batch_size=2000)  # COPY on PostgreSQL: a roster import writes 10,000 at once
    return len(entries)
