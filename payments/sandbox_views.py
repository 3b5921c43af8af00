"""The sandbox gateway's hosted checkout page, served only when PAYMENT_GATEWAY is "sandbox".

It behaves as Flutterwave's does: on the customer's choice it records the transaction,
posts a `charge.completed` webhook with the `verif-hash` header to our webhook endpoint,
and redirects to the checkout's `redirect_url` with `status`, `tx_ref` and `transaction_id`.
"""

from urllib.parse import urlencode

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from gateways import GatewayError
from gateways.sandbox import OUTCOMES, SandboxGateway, post_webhook


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
    # To the host that served this page: the one the customer reached, whatever SITE_URL says.
    post_webhook(
        url=request.build_absolute_uri(reverse("payments-webhook")),
        body=SandboxGateway.webhook_body(transaction),
    )
    query = urlencode({"status": outcome, "tx_ref": tx_ref, "transaction_id": transaction.id})
    return redirect(f"{details['redirect_url']}?{query}")
