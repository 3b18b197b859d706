"""python manage.py import_roster FILE [--dry-run]: a system import (every branch, no user scope)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from members.importing import RosterImportError, commit_roster, parse_roster, preview_roster


class Command(BaseCommand):
    help = "导入党员名册（xlsx、xls、csv）：有任何错误时列出全部错误、不写入任何数据并以非零状态退出。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="名册文件路径")
        parser.add_argument("--dry-run", action="store_true", help="只检查并统计，不写入")

    def handle(self, *args, file, dry_run, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件：{file}")
        try:
            roster = parse_roster(path.read_bytes(), path.name)
            if dry_run:
                outcome = preview_roster(actor=None, roster=roster, system=True)
            else:
                outcome = commit_roster(actor=None, roster=roster, system=True)
        except RosterImportError as exc:
            if exc.outcome is not None:
                self._report(exc.outcome)
            for e in exc.errors:
                self.stderr.write(f"第{e.row}行 {e.column}：{e.message}" if e.row else e.message)
            raise CommandError(f"名册有 {len(exc.errors)} 处错误，未写入任何数据。") from None
        self._report(outcome)
        if not outcome.ok:  # dry run that found errors
            for e in outcome.errors:
                self.stderr.write(f"第{e.row}行 {e.column}：{e.message}")
            raise CommandError(f"名册有 {len(outcome.errors)} 处错误。")
        self.stdout.write(self.style.SUCCESS("检查通过，未写入（--dry-run）。" if dry_run else "导入完成。"))

    def _report(self, outcome):
        for notice in outcome.notices:
            self.stdout.write(f"提示：{notice}")
        c = outcome.counts()
        self.stdout.write(f"共 {c['total']} 行：新增 {c['new']}，更新 {c['updated']}（转支部 {c['moved']}），"
                          f"未变 {c['unchanged']}，错误 {c['invalid']} 行。")
