from django.db import migrations, models
from django.utils import timezone


def stale_until_rescanned(apps, schema_editor):
    """Rows written before the field existed held for their own day only: mark them changed now, so the
    next scan re-evaluates them (a settled year's rows hold for ever, as before)."""
    Summary = apps.get_model("meetings", "ComplianceSummary")
    Summary.objects.filter(final=False).update(changes_at=timezone.now())


class Migration(migrations.Migration):
    dependencies = [("meetings", "0012_merge_issue_14")]

    operations = [
        migrations.AddField(
            model_name="compliancesummary",
            name="changes_at",
            field=models.DateTimeField(
                blank=True, null=True, verbose_name="下次变化时间",
                help_text="评估后第一个期限（提醒开始、期满、补记期截止、组织关系变动之日）；此前数据不变，除非记录有变化。空：不再随时间变化。"),
        ),
        migrations.AddField(
            model_name="compliancesummary",
            name="alerts_synced",
            field=models.BooleanField(default=False, verbose_name="预警已同步",
                                      help_text="检查任务已按本行（党支部）的数据开关预警；数据重新计算后为否。"),
        ),
        migrations.AddIndex(
            model_name="compliancesummary",
            index=models.Index(fields=["year", "changes_at"], name="summary_year_changes_at"),
        ),
        migrations.RunPython(stale_until_rescanned, migrations.RunPython.noop),
    ]
