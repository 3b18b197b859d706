from datetime import date

from django.db import migrations

# National defaults (domain-rules.md §1). Dated from 2000 so historical records entered later resolve too.
DEFAULTS = [
    ("branch_min_full_members", 3, "支部条例 第四条：凡是有正式党员3人以上的，都应当成立党支部"),
    ("branch_soft_max_members", 50, "支部条例 第四条：党支部党员人数一般不超过50人"),
    ("committee_min_full_members", 7, "支部条例 第六章：有正式党员7人以上的党支部，应当设立党支部委员会"),
    ("group_split_min_members", 20, "《中央和国家机关党小组工作规则（试行）》第一条（参考，[P]）"),
    ("term_reminder_months", 6, "上级党组织一般提前6个月提醒换届（domain-rules §1）"),
]


def seed(apps, schema_editor):
    PolicyValue = apps.get_model("branches", "PolicyValue")
    for key, value, article in DEFAULTS:
        PolicyValue.objects.get_or_create(key=key, org=None, effective_from=date(2000, 1, 1),
                                          defaults={"value": value, "article": article})


def unseed(apps, schema_editor):
    apps.get_model("branches", "PolicyValue").objects.filter(org=None, effective_from=date(2000, 1, 1)).delete()


class Migration(migrations.Migration):
    dependencies = [("branches", "0002_initial")]
    operations = [migrations.RunPython(seed, unseed)]
