from datetime import date

from django.db import migrations

# Thresholds of the six-month clock and of the optional local 主题党日 rule (domain-rules default
# policy table, §4, §13). National defaults, editable per organization like every PolicyValue.
DEFAULTS = [
    ("absence_remind_months", 3, "党章 第九条；地方做法（domain-rules §4 [P]）：连续3个月未参加组织生活，书记谈话提醒"),
    ("absence_escalate_months", 4, "党章 第九条；地方做法（domain-rules §4 [P]）：连续4—5个月，升级提醒"),
    ("absence_flag_months", 6, "党章 第九条：没有正当理由连续六个月不参加党的组织生活，需支部大会研究"),
    ("theme_day_rule_enabled", 0, "地方规则（海沧做法，seed text）：主题党日缺席提醒，默认不启用"),
    ("theme_day_consecutive_months", 3, "地方规则（海沧做法）：一年内连续3个月无故缺席主题党日"),
    ("theme_day_cumulative_months", 6, "地方规则（海沧做法）：一年内累计6个月无故缺席主题党日"),
]


def seed(apps, schema_editor):
    PolicyValue = apps.get_model("branches", "PolicyValue")
    for key, value, article in DEFAULTS:
        PolicyValue.objects.get_or_create(key=key, org=None, effective_from=date(2000, 1, 1),
                                          defaults={"value": value, "article": article})


def unseed(apps, schema_editor):
    apps.get_model("branches", "PolicyValue").objects.filter(
        org=None, effective_from=date(2000, 1, 1), key__in=[key for key, _v, _a in DEFAULTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("inspections", "0001_initial"), ("branches", "0004_policy_keys_for_scanners")]
    operations = [migrations.RunPython(seed, unseed)]
