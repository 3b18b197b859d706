"""README, Security: a pg_dump backup is proven by restoring it (`manage.py verify_backup`), on PostgreSQL."""

import os
import subprocess

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

# Not a transactional test: its closing flush would empty the data migrations' rows for the tests after
# it. pg_dump sees what is committed: the migrated schema and those rows (the default policy).
pytestmark = pytest.mark.django_db


def _dump(path) -> None:
    db = settings.DATABASES["default"]
    env = {**os.environ, "PGPASSWORD": db["PASSWORD"]}
    subprocess.run(["pg_dump", "-Fc", "-h", db["HOST"], "-p", str(db["PORT"]), "-U", db["USER"], "-f", str(path),
                    db["NAME"]], env=env, check=True, timeout=300)


def test_a_dump_of_the_database_restores_with_its_rows(tmp_path, capsys):
    from branches.models import PolicyValue

    dump = tmp_path / "orglife.dump"
    _dump(dump)
    call_command("verify_backup", str(dump))
    out = capsys.readouterr().out
    # the default policy (data migrations) came back row for row
    assert "备份可以恢复" in out and f"policy values {PolicyValue.objects.count()}" in out
    assert PolicyValue.objects.count() > 0


def test_a_damaged_dump_is_reported(tmp_path):
    dump = tmp_path / "broken.dump"
    dump.write_bytes(b"PGDMP" + b"\x00" * 100)
    with pytest.raises(CommandError, match="备份无法恢复"):
        call_command("verify_backup", str(dump))


def test_a_missing_file_is_reported(tmp_path):
    with pytest.raises(CommandError, match="找不到备份文件"):
        call_command("verify_backup", str(tmp_path / "nope.dump"))
