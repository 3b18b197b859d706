from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from branches.models import Organization, Role
from members.models import Member
from members.services import provision_account


class Command(BaseCommand):
    help = "创建（或更新）账号，可关联党员并授予某组织上的角色。"

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--password", required=True)
        parser.add_argument("--member", type=int, help="关联的党员编号（Member id）")
        parser.add_argument("--role", choices=Role.values)
        parser.add_argument("--org", help="角色所在组织的代码；admin 可省略（全部组织）")
        parser.add_argument("--name", default="", help="显示姓名")

    def handle(self, *args, username, password, member, role, org, name, **options):
        if org and not role:
            raise CommandError("--org 需要与 --role 一起使用。")
        target_org = None
        if org:
            target_org = Organization.objects.filter(code=org).first()
            if target_org is None:
                raise CommandError(f"找不到代码为“{org}”的组织。")
        linked = None
        if member is not None:
            linked = Member.objects.filter(pk=member).first()
            if linked is None:
                raise CommandError(f"找不到编号为 {member} 的党员。")
        try:
            with translation.override(settings.LANGUAGE_CODE):  # the password validators' messages in Chinese
                provision_account(actor=None, username=username, password=password, name=name, member=linked,
                                  role=role, org=target_org, source="command")
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(f"账号 {username} 已就绪" + (f"，角色：{Role(role).label} @ {target_org or '全部组织'}" if role else "")))
