from datetime import date

from django.db import migrations

# The local 主题党日 rule counts over a rolling window (domain-rules "Clarifications"), not a calendar year.
DEFAULTS = [
    ("theme_day_window_months", 12, "地方规则（海沧做法）：连续3个月或累计6个月以上无故不参加主题党日，按滚动12个月计算"),
]


def seed(apps, schema_editor):
    PolicyValue = apps.get_model("branches", "PolicyValue")
    for key, value, article in DEFAULTS:
        PolicyValue.objects.get_or_create(key=key, org=None, effective_from=date(2000, 1, 1),
                                          defaults={"value": value, "article": article})
    PolicyValue.objects.filter(org=None, key="theme_day_consecutive_months").update(
        article="地方规则（海沧做法）：滚动12个月内连续3个月无故缺席主题党日")
    PolicyValue.objects.filter(org=None, key="theme_day_cumulative_months").update(
        article="地方规则（海沧做法）：滚动12个月内累计6个月无故缺席主题党日")


def unseed(apps, schema_editor):
    apps.get_model("branches", "PolicyValue").objects.filter(
        org=None, effective_from=date(2000, 1, 1), key__in=[key for key, _v, _a in DEFAULTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("inspections", "0003_dashboard_setting"), ("branches", "0006_i15b_policy_keys")]
    operations = [migrations.RunPython(seed, unseed)]
