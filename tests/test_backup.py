"""README, Security: a pg_dump backup is proven by restoring it (`manage.py verify_backup`), on PostgreSQL."""

import os
import subprocess

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.factories import make_member

pytestmark = pytest.mark.django_db(transaction=True)


def _dump(path) -> None:
    db = settings.DATABASES["default"]
    env = {**os.environ, "PGPASSWORD": db["PASSWORD"]}
    subprocess.run(["pg_dump", "-Fc", "-h", db["HOST"], "-p", str(db["PORT"]), "-U", db["USER"], "-f", str(path),
                    db["NAME"]], env=env, check=True, timeout=300)


@pytest.fixture(autouse=True)
def _default_policy():
    """A transactional test ends with a flush that empties the data migrations' rows; put them back after."""
    yield
    import importlib

    from django.apps import apps

    for module in ("branches.migrations.0003_default_policy_values", "meetings.migrations.0002_default_quota_rules",
                   "meetings.migrations.0005_campaign_rules", "reviews.migrations.0002_campaign_policy_values"):
        importlib.import_module(module).seed(apps, None)


def test_a_dump_of_the_database_restores_with_its_rows(tree, tmp_path, capsys):
    make_member(tree["a"], name="备份里的人")
    dump = tmp_path / "orglife.dump"
    _dump(dump)
    call_command("verify_backup", str(dump))
    out = capsys.readouterr().out
    assert "备份可以恢复" in out and "members 1" in out and "organizations 7" in out


def test_a_damaged_dump_is_reported(tmp_path):
    dump = tmp_path / "broken.dump"
    dump.write_bytes(b"PGDMP" + b"\x00" * 100)
    with pytest.raises(CommandError, match="备份无法恢复"):
        call_command("verify_backup", str(dump))


def test_a_missing_file_is_reported(tmp_path):
    with pytest.raises(CommandError, match="找不到备份文件"):
        call_command("verify_backup", str(tmp_path / "nope.dump"))
