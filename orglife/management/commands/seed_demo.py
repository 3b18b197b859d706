import random
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from branches.models import Organization
from meetings import rollup
from orglife import demo


class Command(BaseCommand):
    help = "生成确定性的演示数据（组织树、党员名册、演示账号），可扩展到全市规模。"

    def add_arguments(self, parser):
        parser.add_argument("--branches", type=int, default=12, help="党支部数量（默认 12）")
        parser.add_argument("--members-per-branch", type=int, default=15, help="每个支部的平均党员数（默认 15）")
        parser.add_argument("--months", type=int, default=12, help="生成最近几个月的会议记录（默认 12）")
        parser.add_argument("--seed", type=int, default=2026, help="随机种子，相同种子生成相同数据")
        parser.add_argument("--skip-if-exists", action="store_true", help="已有演示数据时不做任何事")

    def handle(self, *args, branches, members_per_branch, months, seed, skip_if_exists, **options):
        if branches < 1 or members_per_branch < 3 or months < 0:
            raise CommandError("--branches 至少为 1，--members-per-branch 至少为 3，--months 不能为负数。")
        if Organization.objects.filter(code=demo.ROOT_CODE).exists():
            if skip_if_exists:
                self.stdout.write("演示数据已存在，跳过。")
                self._print_accounts([(u, "", demo.DEMO_PASSWORD) for u in demo.ACCOUNT_NAMES])
                return
            raise CommandError(f"已存在代码为 {demo.ROOT_CODE} 的组织：演示数据只能载入空数据库。")
        started = time.monotonic()
        rng = random.Random(seed)
        today = timezone.localdate()
        with transaction.atomic():
            tree, branch_list = demo.seed_tree(rng, branches=branches, today=today)
            self.stdout.write(f"组织：{len(tree) + len(branch_list)} 个（其中党支部 {len(branch_list)} 个）")
            members = demo.seed_members(rng, branch_list, per_branch=members_per_branch, today=today)
            self.stdout.write(f"党员：{len(members)} 名")
            for seeder in demo.RECORD_SEEDERS:
                self.stdout.write(seeder(rng, branch_list, months=months, today=today))
            demo.audit_seeded(tree + branch_list, members)
            accounts = demo.seed_accounts(tree, branch_list)
        if connection.vendor == "postgresql":
            # Fresh bulk-loaded tables have no planner statistics: without them PostgreSQL takes a
            # 180,000-row table for a 1-row one and picks the wrong index (600 ms instead of 10 ms).
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        now = timezone.now()
        built = rollup.rebuild(now=now, years=rollup.default_years(now))  # the dashboards read it from the start
        self.stdout.write(f"督导看板汇总：{built.summaries} 条组织汇总，{built.rule_periods} 条按期记录")
        self.stdout.write(self.style.SUCCESS(f"演示数据已生成，用时 {time.monotonic() - started:.1f} 秒。"))
        self._print_accounts(accounts)

    def _print_accounts(self, accounts):
        self.stdout.write("演示账号（用户名 / 密码）：")
        for username, description, password in accounts:
            self.stdout.write(f"  {username:<20} {password:<14} {description}")
