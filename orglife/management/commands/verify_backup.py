"""`manage.py verify_backup FILE.dump`: prove that a pg_dump backup restores (README, Security).

The dump (pg_dump -Fc) is restored into a scratch database on the same server, which is then checked:
every migration the code knows is recorded there, and the main tables answer with their row counts.
The scratch database is dropped afterwards, whatever happened. Nothing touches the live database.
"""

import os
import secrets
import subprocess
from pathlib import Path

import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.loader import MigrationLoader

TABLES = {
    "organizations": "branches_organization",
    "members": "members_member",
    "meetings": "meetings_meeting",
    "attendance": "meetings_attendance",
    "audit entries": "core_auditentry",
    "policy values": "branches_policyvalue",
}


class Command(BaseCommand):
    help = "把 pg_dump（-Fc）备份恢复到临时数据库并检查其完整性，用后删除临时数据库。"

    def add_arguments(self, parser):
        parser.add_argument("dump", help="pg_dump -Fc 生成的备份文件")

    def handle(self, *args, dump, **options):
        path = Path(dump)
        if not path.is_file():
            raise CommandError(f"找不到备份文件：{path}")
        if connection.vendor != "postgresql":
            raise CommandError("verify_backup 需要 PostgreSQL（DATABASE_URL）；内置 SQLite 直接复制数据库文件即可备份。")
        params = settings.DATABASES["default"]
        scratch = f"orglife_verify_{secrets.token_hex(4)}"
        admin = self._connect(params, params.get("NAME") or "postgres")
        try:
            with admin.cursor() as cursor:
                cursor.execute(f'CREATE DATABASE "{scratch}"')
            try:
                self._restore(path, params, scratch)
                counts = self._check(params, scratch)
            finally:
                with admin.cursor() as cursor:
                    cursor.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
        finally:
            admin.close()
        summary = "，".join(f"{label} {n}" for label, n in counts.items())
        self.stdout.write(self.style.SUCCESS(f"备份可以恢复：{path.name}（{summary}）"))

    @staticmethod
    def _connect(params, dbname):
        return psycopg.connect(host=params.get("HOST") or None, port=params.get("PORT") or None,
                               user=params.get("USER") or None, password=params.get("PASSWORD") or None,
                               dbname=dbname, autocommit=True)

    @staticmethod
    def _restore(path: Path, params, scratch: str) -> None:
        env = {**os.environ, "PGPASSWORD": params.get("PASSWORD") or ""}
        command = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "-d", scratch]
        for flag, key in (("-h", "HOST"), ("-p", "PORT"), ("-U", "USER")):
            if params.get(key):
                command += [flag, str(params[key])]
        try:
            result = subprocess.run([*command, str(path)], env=env, capture_output=True, text=True, timeout=3600)
        except FileNotFoundError:
            raise CommandError("找不到 pg_restore：请安装 PostgreSQL 客户端（postgresql-client）。") from None
        if result.returncode != 0:
            raise CommandError(f"备份无法恢复：{result.stderr.strip()[-500:]}")

    def _check(self, params, scratch: str) -> dict[str, int]:
        expected = {(app, name) for app, name in MigrationLoader(None, ignore_no_migrations=True).disk_migrations}
        with self._connect(params, scratch) as restored, restored.cursor() as cursor:
            try:
                cursor.execute("SELECT app, name FROM django_migrations")
            except psycopg.Error:
                raise CommandError("恢复出的数据库里没有 django_migrations 表：这不是 OrgLife 的备份。") from None
            applied = set(cursor.fetchall())
            missing = sorted(f"{app}.{name}" for app, name in expected - applied)
            if missing:
                raise CommandError(f"备份早于当前代码，缺少迁移：{'、'.join(missing[:10])}"
                                   "（先恢复到旧版本并运行 migrate，或检查备份是否完整）。")
            counts = {}
            for label, table in TABLES.items():
                cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 - fixed table names
                counts[label] = cursor.fetchone()[0]
        return counts
