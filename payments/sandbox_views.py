"""The sandbox gateway's hosted checkout page, served only when PAYMENT_GATEWAY is "sandbox".

It behaves as Flutterwave's does: on the customer's choice it records the transaction,
posts a `charge.completed` webhook with the `verif-hash` header to our webhook endpoint,
and redirects to the checkout's `redirect_url` with `status`, `tx_ref` and `transaction_id`.
"""

import logging
from urllib.parse import urlencode

import requests
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from payments.gateways import GatewayError, webhook_secret_hash
from payments.gateways.sandbox import OUTCOMES, SandboxGateway

logger = logging.getLogger(__name__)

WEBHOOK_TIMEOUT = 10


@require_http_methods(["GET", "POST"])
def checkout(request, tx_ref: str):
    gateway = SandboxGateway()
    details = gateway.checkout(tx_ref=tx_ref)
    if details is None:
        raise Http404("No such sandbox checkout.")
    outcome = request.POST.get("outcome", "")
    if request.method == "GET" or outcome not in OUTCOMES:
        return render(request, "payments/sandbox_checkout.html", {"checkout": details})
    try:
        transaction = gateway.complete(tx_ref=tx_ref, outcome=outcome)
    except GatewayError as exc:
        raise Http404(str(exc)) from exc
    _post_webhook(request.build_absolute_uri(reverse("payments-webhook")), transaction)
    query = urlencode({"status": outcome, "tx_ref": tx_ref, "transaction_id": transaction.id})
    return redirect(f"{details['redirect_url']}?{query}")


def _post_webhook(url: str, transaction) -> None:
    """Deliver the webhook to our own site (the request's host), as Flutterwave would."""
    try:
        response = requests.post(
            url,
            json=SandboxGateway.webhook_body(transaction),
            headers={"verif-hash": webhook_secret_hash()},
            timeout=WEBHOOK_TIMEOUT,
        )
        logger.info("Sandbox webhook for %s answered %s", transaction.tx_ref, response.status_code)
    except requests.RequestException as exc:
        logger.warning("Sandbox webhook for %s not delivered: %s", transaction.tx_ref, exc)
