"""The core package as a Django app: it registers the deploy checks of core settings and
counts Celery task problems."""

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self):
        from core import checks, metrics  # noqa: F401  (checks register themselves)

        metrics.count_celery_task_problems()
