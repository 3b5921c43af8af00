from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"

    def ready(self):
        from django.urls import reverse

        from gateways import sandbox
        from payments import tasks  # noqa: F401  (the tasks that run its services)

        # The sandbox gateway is a leaf: it learns where our checkout page and webhook live.
        sandbox.routes.checkout_path = lambda tx_ref: reverse(
            "payments-sandbox-checkout", args=[tx_ref]
        )
        sandbox.routes.webhook_path = lambda: reverse("payments-webhook")
