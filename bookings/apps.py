from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "bookings"

    def ready(self):
        from bookings import tasks  # noqa: F401  (the tasks that run its services)
        from bookings.selectors import oldest_overdue_hold_age_seconds
        from core import metrics

        metrics.gauge_at_scrape(
            "tickets_overdue_hold_age_seconds",
            "Age of the oldest pending hold past its expiry; 0 while hold expiry keeps up.",
            oldest_overdue_hold_age_seconds,
        )
