from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from inspections import scanners
from meetings.periods import end_of_day


class Command(BaseCommand):
    help = "运行全部督导扫描（会议、六个月未参加组织生活、主题党日、换届），开启或关闭预警并生成通知；可重复运行。"

    def add_arguments(self, parser):
        parser.add_argument("--at", help="按该日（YYYY-MM-DD）结束时的情况扫描，默认现在")

    def handle(self, *args, at=None, **options):
        try:
            now = end_of_day(date.fromisoformat(at)) if at else timezone.now()
        except ValueError as exc:
            raise CommandError(f"日期格式应为 YYYY-MM-DD：{at}") from exc
        results = scanners.scan_compliance(now=now)
        for result in results:
            self.stdout.write(result.line())
        opened, closed = sum(r.opened for r in results), sum(r.closed for r in results)
        self.stdout.write(f"合计：新开预警 {opened} 条，关闭 {closed} 条，新通知 {results[-1].notified} 条。")
        self.stdout.write(f"opened={opened} closed={closed}")
