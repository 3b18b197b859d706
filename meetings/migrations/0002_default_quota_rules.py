from datetime import date

from django.db import migrations

# The default policy of domain-rules.md (first table). Each value is editable per organization.
RULES = [
    # kind, condition, period, minimum, target, warning_days, article
    ("branch_assembly", "no_groups", "month", 1, None, 7,
     "不设党小组的党支部每月召开一次党员大会（种子文本；支部条例 第十一条最低为每季度）"),
    ("branch_assembly", "has_groups", "quarter", 1, None, 15, "支部条例 第十一条：支部党员大会一般每季度召开1次"),
    ("branch_committee", "has_committee", "month", 1, None, 7, "支部条例 第十二条：支部委员会会议一般每月召开1次"),
    ("group_meeting", "per_group", "month", 1, None, 7, "党小组会一般每月召开1次（省级规定与通行做法，[P]）"),
    ("party_lecture", "always", "quarter", 1, None, 15,
     "党课每季度1次（通行做法，[P]；支部条例 第十六条仅规定“按期上党课”）"),
    ("theme_day", "always", "month", 1, None, 7, "支部条例 第十六条：党支部每月相对固定1天开展主题党日"),
    ("life_meeting", "always", "year", 1, None, 30, "支部条例 第十七条：党支部每年至少召开1次组织生活会"),
    ("member_review", "always", "year", 1, None, 30, "支部条例 第十八条：党支部一般每年开展1次民主评议党员"),
    ("warning_education", "always", "year", 1, 2, 30, "每年集中开展1至2次警示教育（种子文本，[U]）"),
    ("all_activities", "always", "year", 12, None, 30, "全年不少于12次组织生活（种子文本，年度计划）"),
]
GRACE_DAYS = 10  # a meeting may be recorded up to 10 days after its period ends, marked 补记 (domain-rules §13)


def seed(apps, schema_editor):
    QuotaRule = apps.get_model("meetings", "QuotaRule")
    for kind, condition, period, minimum, target, warning_days, article in RULES:
        QuotaRule.objects.get_or_create(
            kind=kind, condition=condition, org=None, effective_from=date(2000, 1, 1),
            defaults={"period": period, "minimum": minimum, "target": target, "warning_days": warning_days,
                      "grace_days": GRACE_DAYS, "article": article},
        )


def unseed(apps, schema_editor):
    apps.get_model("meetings", "QuotaRule").objects.filter(org=None, effective_from=date(2000, 1, 1)).delete()


class Migration(migrations.Migration):
    dependencies = [("meetings", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
