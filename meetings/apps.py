from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = "会议与考勤"

    def ready(self):
        from core.signals import branch_records_changed
        from meetings.receivers import on_branch_records_changed

        # Lower floors announce a branch's changed records or roster; the dashboards' rollup follows.
        branch_records_changed.connect(on_branch_records_changed, dispatch_uid="meetings.rollup")
        # A rule or policy value changed: every stored figure may be judged differently from now on.
        from django.db.models.signals import post_delete, post_save

        from branches.models import PartyGroup, PolicyValue
        from core.signals import branch_records_changing
        from meetings import models as m
        from meetings.receivers import on_branch_records_changing, on_policy_changed, on_record_saved
        from members.models import Member, Membership

        for model in (m.QuotaRule, PolicyValue):
            post_save.connect(on_policy_changed, sender=model, dispatch_uid=f"meetings.rollup.{model.__name__}.save")
            post_delete.connect(on_policy_changed, sender=model, dispatch_uid=f"meetings.rollup.{model.__name__}.delete")
        # Inside the changing transaction, whatever the path: the stored figures of the branch stop holding.
        branch_records_changing.connect(on_branch_records_changing, dispatch_uid="meetings.rollup.stale")
        for model in (m.Meeting, m.MeetingKind, m.Attendance, m.Exemption, m.CampaignCompletion, Member, Membership,
                      PartyGroup):
            post_save.connect(on_record_saved, sender=model, dispatch_uid=f"meetings.rollup.{model.__name__}.saved")
            post_delete.connect(on_record_saved, sender=model, dispatch_uid=f"meetings.rollup.{model.__name__}.deleted")
