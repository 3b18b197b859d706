"""Re-mask stored 公民身份号码 to the last four characters (issue 11, point 1): the former mask kept the
region code, which with the birth date rebuilt the whole number. The masked copies in audit snapshots
are re-masked too. Only the last four of the old mask are needed, so no key is involved."""

from django.db import migrations
from django.db.models import Value
from django.db.models.functions import Concat, Right

PREFIX = "*" * 14


def _remask(value):
    if isinstance(value, str) and len(value) == 18 and "*" in value:
        return PREFIX + value[-4:]
    return value


def forwards(apps, schema_editor):
    Member = apps.get_model("members", "Member")
    Member.objects.filter(id_number_masked__regex=r"^.{18}$").update(
        id_number_masked=Concat(Value(PREFIX), Right("id_number_masked", 4)))
    AuditEntry = apps.get_model("core", "AuditEntry")
    batch = []
    entries = AuditEntry.objects.filter(target_type="members.member", changes__has_key="id_number_masked")
    for entry in entries.only("id", "changes").iterator(chunk_size=2000):
        old = entry.changes["id_number_masked"]
        entry.changes["id_number_masked"] = [_remask(v) for v in old] if isinstance(old, list) else _remask(old)
        batch.append(entry)
        if len(batch) >= 2000:
            AuditEntry.objects.bulk_update(batch, ["changes"])
            batch = []
    if batch:
        AuditEntry.objects.bulk_update(batch, ["changes"])


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0003_i11_id_number_reveals"),
        ("core", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
