from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "notices"

    def ready(self):
        from notices import tasks  # noqa: F401  (the tasks that run its services)
