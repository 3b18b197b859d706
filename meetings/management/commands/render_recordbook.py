"""python manage.py render_recordbook --branch CODE --year YYYY --output FILE.pdf"""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from branches.models import Organization
from meetings import recordbook


class Command(BaseCommand):
    help = "生成一个党支部一个年度的《基层党支部活动情况记录册》PDF。"

    def add_arguments(self, parser):
        parser.add_argument("--branch", required=True, help="党支部的组织代码")
        parser.add_argument("--year", required=True, type=int, help="年度，如 2025")
        parser.add_argument("--output", required=True, help="输出的 PDF 文件路径")

    def handle(self, *args, branch, year, output, **options):
        org = Organization.objects.select_related("parent").filter(code=branch).first()
        if org is None:
            raise CommandError(f"找不到组织代码为“{branch}”的党组织。")
        if not org.is_branch:
            raise CommandError(f"“{org.name}”（{org.code}）是{org.get_kind_display()}，不是党支部：记录册按党支部生成。")
        if not 2000 <= year <= 2100:
            raise CommandError(f"年度“{year}”无效。")
        started = time.perf_counter()
        rendered = recordbook.record_book_pdf(branch=org, year=year)
        path = Path(output)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(rendered.pdf)
        except OSError as exc:
            raise CommandError(f"无法写入“{output}”：{exc.strerror or exc}") from exc
        elapsed = time.perf_counter() - started
        self.stdout.write(f"已生成 {path}：{rendered.pages} 页，{len(rendered.pdf) // 1024} KB，用时 {elapsed:.1f} 秒。")
