# Merges issue 12 (rule article texts) with issue 15 (counted kinds of the ≥ 12 total). Whichever ran
# last, the total rule's citation ends as issue 15 wrote it, with the research mark "种子文本" that issue
# 12 moves into the administrator-only note: this rewrites that one citation.

from django.db import migrations

SEEDED = ("全年不少于12次组织生活（种子文本，年度计划）；计入党员大会、党小组会、党课、主题党日、组织生活会、"
          "民主评议党员、警示教育等全体党员或党小组全体参加的活动，支委会不计入（domain-rules“Clarifications”）")
ARTICLE = ("全年不少于12次组织生活（年度计划）；计入党员大会、党小组会、党课、主题党日、组织生活会、民主评议党员、"
           "警示教育等全体党员或党小组全体参加的活动，支委会不计入")
NOTE = "种子文本：来自年度工作计划的通行做法；计入的类型按 domain-rules “Clarifications”，支委会不计入。"


def seed(apps, schema_editor):
    QuotaRule = apps.get_model("meetings", "QuotaRule")
    QuotaRule.objects.filter(article=SEEDED).update(article=ARTICLE, note=NOTE)


def unseed(apps, schema_editor):
    QuotaRule = apps.get_model("meetings", "QuotaRule")
    QuotaRule.objects.filter(article=ARTICLE, note=NOTE).update(article=SEEDED)


class Migration(migrations.Migration):

    dependencies = [
        ('meetings', '0007_i12_rule_article_text'),
        ('meetings', '0010_merge_issues_15_14'),
    ]

    operations = [
        migrations.RunPython(seed, unseed),
    ]
