from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    name = "inspections"
    verbose_name = "督导检查"

    def ready(self):
        from core.signals import branch_records_changed
        from inspections.receivers import rescan_rectifications

        branch_records_changed.connect(rescan_rectifications, dispatch_uid="inspections.rescan_rectifications")
