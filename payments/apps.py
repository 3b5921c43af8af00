from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"

    def ready(self):
        from payments import tasks  # noqa: F401  (the tasks that run its services)
