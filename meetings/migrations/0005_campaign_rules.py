from datetime import date

from django.db import migrations

# 组织生活会 and 民主评议党员 are campaigns with stages (支部条例 第十七、十八条; domain-rules §3.1, §3.2): the
# obligation is met by a completed campaign (its meeting held, its stages done), not by any meeting of
# that kind. 谈心谈话 is met by the year's coverage (支部条例 第十九条; the pair reading of domain-rules §3).
CAMPAIGN_KINDS = ("life_meeting", "member_review")
TALKS_ARTICLE = ("支部条例 第十九条：党支部委员之间、党支部委员和党员之间每年谈心谈话一般不少于1次"
                 "（按支委两两之间、每名党员与至少1名支委之间计算，[U]）")


def seed(apps, schema_editor):
    QuotaRule = apps.get_model("meetings", "QuotaRule")
    QuotaRule.objects.filter(kind__in=CAMPAIGN_KINDS).update(counted_from="completions")
    QuotaRule.objects.get_or_create(
        kind="heart_talks", condition="always", org=None, effective_from=date(2000, 1, 1),
        defaults={"period": "year", "minimum": 1, "warning_days": 30, "grace_days": 10, "article": TALKS_ARTICLE,
                  "counted_from": "completions"},
    )


def unseed(apps, schema_editor):
    QuotaRule = apps.get_model("meetings", "QuotaRule")
    QuotaRule.objects.filter(kind="heart_talks", org=None, effective_from=date(2000, 1, 1)).delete()
    QuotaRule.objects.filter(kind__in=CAMPAIGN_KINDS).update(counted_from="meetings")


class Migration(migrations.Migration):
    dependencies = [("meetings", "0004_campaign_completions")]
    operations = [migrations.RunPython(seed, unseed)]
