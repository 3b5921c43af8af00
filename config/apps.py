"""The project's own app: deploy checks, Celery task metrics, the cross-app ops commands."""

from django.apps import AppConfig


class ConfigApp(AppConfig):
    name = "config"
    label = "platform"
    verbose_name = "Platform"

    def ready(self):
        from config import checks  # noqa: F401  (registers the checks)
        from core import metrics

        metrics.count_celery_task_problems()
