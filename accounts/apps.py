from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self):
        from accounts import (
            signals,  # noqa: F401  (audit of sign-in and sign-out)
            tasks,  # noqa: F401  (the tasks that run its services)
        )
