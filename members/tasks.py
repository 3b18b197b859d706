"""Background work for members: large roster imports. Each task takes an id, loads, calls one service."""

from celery import shared_task

from members import importing


@shared_task
def check_roster_import(roster_import_id: int) -> None:
    importing.check_import(roster_import_id=roster_import_id)


@shared_task
def commit_roster_import(roster_import_id: int) -> None:
    importing.commit_import(roster_import_id=roster_import_id)
