from django.apps import AppConfig


class FinanceConfig(AppConfig):
    name = "finance"

    def ready(self):
        from finance import tasks  # noqa: F401  (the tasks that run its services)
