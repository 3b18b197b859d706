from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    name = "inspections"
    verbose_name = "督导检查"

    def ready(self):
        from core.signals import branch_records_changed, leave_request_changed
        from inspections.receivers import notify_leave, rescan_rectifications

        branch_records_changed.connect(rescan_rectifications, dispatch_uid="inspections.rescan_rectifications")
        leave_request_changed.connect(notify_leave, dispatch_uid="inspections.notify_leave")
