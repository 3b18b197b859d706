# The audit trail moved from the project package into the kernel (core); nothing was released yet, so
# its history starts afresh here (table core_auditentry).


import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='AuditEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name='时间')),
                ('action', models.CharField(choices=[('create', '新增'), ('update', '修改'), ('delete', '删除')], max_length=10, verbose_name='操作')),
                ('target_type', models.CharField(max_length=60, verbose_name='对象类型')),
                ('target_id', models.CharField(max_length=64, verbose_name='对象编号')),
                ('target_repr', models.CharField(max_length=200, verbose_name='对象')),
                ('changes', models.JSONField(blank=True, default=dict, verbose_name='变更内容')),
                ('source', models.CharField(blank=True, help_text='web / api / import / seed / admin', max_length=30, verbose_name='来源')),
                ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL, verbose_name='操作人')),
            ],
            options={
                'verbose_name': '操作记录',
                'verbose_name_plural': '操作记录',
                'ordering': ['-at', '-id'],
                'indexes': [models.Index(fields=['target_type', 'target_id'], name='core_audite_target__f1cadb_idx')],
                'constraints': [models.CheckConstraint(condition=models.Q(('action__in', ['create', 'update', 'delete'])), name='audit_action_valid')],
            },
        ),
    ]
