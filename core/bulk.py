"""Bulk inserts fast enough for a 10,000-row roster import.

On PostgreSQL, Django 5.2's bulk_create sends rows as arrays quoted in Python by psycopg: 10,000
members took 1.7 s and their 10,000 audit entries (JSON) 2.8 s on the 2-core machine, most of it
string escaping. COPY streams the same rows in a fraction of that. Elsewhere (the embedded SQLite
stack) this is plain bulk_create. Like bulk_create, it calls no save() and sends no signals.
"""

import json
from collections.abc import Iterable, Sequence
from operator import attrgetter

from django.db import connections, models, router

IN_CHUNK = 5000  # ids per IN (…) list: PostgreSQL takes at most 65,535 parameters in one statement


# psycopg splits a statement's text in Python to bind its parameters: an IN list of 5,000 ids costs about
# 0.1–0.4 s per query on the 2-core machine, more than the query itself. A query whose rows are few anyway
# skips the list above this size and keeps the wanted rows in Python (`wanted_ids`).
LARGE_IN = 500


def wanted_ids(ids: Sequence[int]) -> set[int] | None:
    """The ids to keep in Python when a query leaves out its IN list (None: filter in SQL)."""
    return set(ids) if len(ids) > LARGE_IN else None


def chunks(items: Sequence, size: int = IN_CHUNK) -> Iterable[Sequence]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _getter(field: models.Field, connection):
    """How a value goes into COPY. psycopg adapts str, int, bool, date, datetime and None itself; only
    auto_now fields and JSON need Django's preparation (calling it for every field costs 1 s per 10,000 rows)."""
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return lambda obj: field.pre_save(obj, True)
    if isinstance(field, models.JSONField):
        encoder = field.encoder
        return lambda obj: json.dumps(getattr(obj, field.attname), cls=encoder, ensure_ascii=False)
    if field.get_internal_type() in _PLAIN_TYPES:
        return attrgetter(field.attname)
    return lambda obj: field.get_db_prep_save(field.pre_save(obj, True), connection)


_PLAIN_TYPES = {"CharField", "TextField", "DateField", "BooleanField", "IntegerField", "BigIntegerField",
                "PositiveIntegerField", "PositiveSmallIntegerField", "SmallIntegerField", "ForeignKey",
                "OneToOneField", "BigAutoField", "AutoField", "DateTimeField", "SlugField", "EmailField"}


def bulk_insert(model: type[models.Model], objs: list[models.Model], *, batch_size: int = 1000) -> None:
    """Insert `objs` and set their primary keys."""
    if not objs:
        return
    alias = router.db_for_write(model)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        model.objects.using(alias).bulk_create(objs, batch_size=batch_size)
        return
    meta = model._meta
    pk = meta.pk
    fields = [f for f in meta.concrete_fields if f is not pk]
    with connection.cursor() as cursor:
        # Reserve the ids first: COPY cannot return them, and callers need them (memberships, audit).
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                       [meta.db_table, pk.column, len(objs)])
        for obj, (new_id,) in zip(objs, cursor.fetchall(), strict=True):
            obj.pk = new_id
        columns = ", ".join(connection.ops.quote_name(f.column) for f in [pk, *fields])
        sql = f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN"
        getters = [_getter(f, connection) for f in fields]
        with cursor.cursor.copy(sql) as copy:
            for obj in objs:
                copy.write_row([obj.pk, *(get(obj) for get in getters)])
    for obj in objs:
        obj._state.adding = False
        obj._state.db = alias


def insert_values(model: type[models.Model], field_names: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Insert plain tuples of values (in the order of `field_names`, attnames such as "branch_id"; the
    primary key is left to the database), without building a model instance per row: for read models
    rewritten in bulk (300,000 rows of the compliance rollup: instances alone cost seconds). Values must
    be what psycopg adapts as they are (str, int, bool, date, datetime, None). Returns the row count."""
    alias = router.db_for_write(model)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        objs = [model(**dict(zip(field_names, row, strict=True))) for row in rows]
        model.objects.using(alias).bulk_create(objs, batch_size=1000)
        return len(objs)
    meta = model._meta
    columns = ", ".join(connection.ops.quote_name(meta.get_field(name).column) for name in field_names)
    count = 0
    with connection.cursor() as cursor, cursor.cursor.copy(
            f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count
