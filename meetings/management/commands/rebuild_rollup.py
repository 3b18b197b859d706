"""python manage.py rebuild_rollup [--year YYYY ...]"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from meetings.rollup import default_years, rebuild


class Command(BaseCommand):
    help = "从头重算督导看板使用的组织生活完成情况汇总（默认本年度和上一年度）；可重复运行。"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, action="append", help="要重算的年度，可重复；默认本年度和上一年度")

    def handle(self, *args, year=None, **options):
        now = timezone.now()
        years = year or default_years(now)
        bad = [y for y in years if not 2000 <= y <= 2100]
        if bad:
            raise CommandError(f"年度“{bad[0]}”无效，应为 2000 至 2100 之间的四位数字。")
        started = time.perf_counter()
        result = rebuild(now=now, years=years)
        seconds = time.perf_counter() - started
        self.stdout.write(f"已重算 {'、'.join(map(str, result.years))} 年度：党支部 {result.branches} 个，"
                          f"按期记录 {result.rule_periods} 条，组织汇总 {result.summaries} 条，用时 {seconds:.1f} 秒。")
