from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = "会议与考勤"

    def ready(self):
        from core.signals import branch_records_changed
        from meetings.receivers import on_branch_records_changed

        # Lower floors announce a branch's changed records or roster; the dashboards' rollup follows.
        branch_records_changed.connect(on_branch_records_changed, dispatch_uid="meetings.rollup")
