from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = "会议与考勤"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from branches.models import Organization, PartyGroup, PolicyValue
        from core.signals import branch_records_changed, branch_records_changing
        from meetings import models as m
        from meetings import receivers as r
        from members.models import Member, Membership

        def on_save_and_delete(receiver, model, name):
            post_save.connect(receiver, sender=model, dispatch_uid=f"meetings.rollup.{name}.{model.__name__}.save")
            post_delete.connect(receiver, sender=model, dispatch_uid=f"meetings.rollup.{name}.{model.__name__}.delete")

        # Lower floors announce a branch's changed records or roster; the dashboards' rollup follows:
        # marked stale inside the changing transaction, refreshed once it commits.
        branch_records_changing.connect(r.on_branch_records_changing, dispatch_uid="meetings.rollup.stale")
        branch_records_changed.connect(r.on_branch_records_changed, dispatch_uid="meetings.rollup")
        # Whatever the path (a shell, a fixture, a data fix), a saved record makes its branch's rows stale…
        for model in (m.Meeting, m.MeetingKind, m.Attendance, m.Exemption, m.CampaignCompletion, Member, Membership,
                      PartyGroup):
            on_save_and_delete(r.on_record_saved, model, "record")
        # …a saved organization its subtree's and ancestors', a rule or policy value every row.
        on_save_and_delete(r.on_organization_saved, Organization, "org")
        for model in (m.QuotaRule, PolicyValue):
            on_save_and_delete(r.on_policy_changed, model, "policy")
