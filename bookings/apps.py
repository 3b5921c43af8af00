from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "bookings"

    def ready(self):
        from bookings import tasks  # noqa: F401  (the tasks that run its services)
