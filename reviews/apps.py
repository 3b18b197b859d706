from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "组织生活会与民主评议"

    def ready(self):
        from core.signals import branch_records_changed
        from meetings.recordbook import register_section
        from meetings.recordbook.version import register_version_source
        from reviews.bookversion import campaign_rows
        from reviews.receivers import resync_talk_coverage
        from reviews.recordbook import SECTIONS

        for key, provider in SECTIONS.items():  # the record book's 组织生活会/整改清单, 民主评议, 谈心谈话, 警示教育
            register_section(key, provider)
        register_version_source("reviews", campaign_rows)  # their rows make the branch's stored books stale
        branch_records_changed.connect(resync_talk_coverage, dispatch_uid="reviews.resync_talk_coverage")
