from datetime import date

from django.db import migrations

# The annual campaigns' policy (domain-rules §3, §3.1, §3.2, §14.5). National defaults, editable per
# organization like every PolicyValue (the nearest override wins, versioned by date).
DEFAULTS = [
    ("review_study_stage", 1, "domain-rules §14.5：民主评议可在个人自评前设“学习教育”环节（可选，[P]）"),
    ("review_application_stage", 1, "支部条例 第十八条；domain-rules §3.2：评议后“结果运用”（表彰、处置，可选环节）"),
    ("review_excellent_share", 3, "民主评议党员：评定为“优秀”的比例一般不超过党员总数的1/3（domain-rules §3）"),
    ("review_correction_months", 12, "《党的组织工作问答》：不合格党员限期改正，期限一般为一年（domain-rules §3.2，[P]）"),
    ("life_meeting_report_days", 15, "组织生活会后报告上级的期限：未见党支部的统一规定，默认15日（地方做法，[U]）"),
    ("talks_per_year", 1, "支部条例 第十九条：每年谈心谈话一般不少于1次（有的地方要求2次，[U]）"),
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
    dependencies = [("reviews", "0001_initial"), ("branches", "0005_policy_keys_for_campaigns")]
    operations = [migrations.RunPython(seed, unseed)]
