"""The project's own app: deploy checks and the cross-app ops commands (seed_demo)."""

from django.apps import AppConfig


class ConfigApp(AppConfig):
    name = "config"
    label = "platform"
    verbose_name = "Platform"

    def ready(self):
        from config import checks  # noqa: F401  (registers the checks)
