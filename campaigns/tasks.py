"""Celery tasks of the campaigns app: thin wrappers over services, safe to run again."""

from celery import shared_task

from campaigns import services


@shared_task
def end_finished_campaigns() -> int:
    return services.campaign_end_finished()


@shared_task
def fold_view_counts() -> int:
    return services.campaign_views_fold()
