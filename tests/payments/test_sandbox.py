"""The sandbox gateway: its own checkout page, transactions kept in the cache, and the same
verification and refund code paths as Flutterwave. Its routes exist only when selected."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import NoReverseMatch, Resolver404, resolve, reverse

from bookings.models import Booking
from gateways import SANDBOX_SECRET_HASH, get_gateway, webhook_secret_hash
from payments import services
from payments.models import Payment, Refund

pytestmark = pytest.mark.django_db


def test_sandbox_routes_do_not_exist_with_the_flutterwave_gateway(flw):
    with pytest.raises(NoReverseMatch):
        reverse("payments-sandbox-checkout", args=["TK-1"])
    with pytest.raises(Resolver404):
        resolve("/payments/sandbox/checkout/TK-1/")


def test_paying_in_the_sandbox_confirms_through_the_return_page(
    sandbox, settings, booking, customer
):
    settings.SITE_URL = "http://testserver"
    client = Client()
    client.force_login(customer)

    to_checkout = client.post(f"/payments/pay/{booking.pk}/")
    payment = Payment.objects.get()
    assert payment.gateway == "sandbox"
    assert (
        to_checkout["Location"] == f"http://testserver/payments/sandbox/checkout/{payment.tx_ref}/"
    )
    page = client.get(to_checkout["Location"])
    assert 'data-testid="amount" class="money">NGN\xa05,000.00</strong>' in page.content.decode()

    back = client.post(to_checkout["Location"], {"outcome": "successful"})

    target = urlsplit(back["Location"])
    query = {k: v[0] for k, v in parse_qs(target.query).items()}
    assert (target.path, query["status"], query["tx_ref"]) == (
        "/payments/return/",
        "successful",
        payment.tx_ref,
    )
    result = client.get(back["Location"])
    assert b"your booking is confirmed" in result.content
    assert Booking.objects.get(pk=booking.pk).status == "confirmed"
    payment.refresh_from_db()
    assert (payment.status, payment.gateway_transaction_id) == (
        "successful",
        query["transaction_id"],
    )


def test_a_failed_sandbox_payment_keeps_the_booking_pending(sandbox, settings, booking, customer):
    settings.SITE_URL = "http://testserver"
    client = Client()
    client.force_login(customer)
    checkout = client.post(f"/payments/pay/{booking.pk}/")["Location"]

    back = client.post(checkout, {"outcome": "failed"})
    page = client.get(back["Location"])

    assert b"did not go through" in page.content
    assert Booking.objects.get(pk=booking.pk).status == "pending_payment"
    assert Payment.objects.get().status == "failed"


def test_sandbox_refunds_use_the_refund_path(sandbox, booking, customer):
    payment = services.payment_initialize(booking_id=booking.pk, customer=customer)
    transaction = get_gateway("sandbox").complete(tx_ref=payment.tx_ref, outcome="successful")
    services.payment_verify_and_confirm(
        tx_ref=payment.tx_ref, transaction_id=transaction.id, source="webhook"
    )

    services.payment_refund(booking_id=booking.pk, actor=booking.campaign.seller)

    refund = Refund.objects.get()
    assert (refund.status, refund.gateway_refund_id) == (
        "completed",
        f"SANDBOX-REFUND-{transaction.id}",
    )
    assert Booking.objects.get(pk=booking.pk).status == "refunded"


def test_an_unknown_sandbox_checkout_is_404(sandbox):
    assert Client().get("/payments/sandbox/checkout/TK-NOPE/").status_code == 404


def test_the_sandbox_signs_webhooks_with_its_default_hash_when_none_is_set(sandbox, settings):
    settings.FLUTTERWAVE_SECRET_HASH = ""

    assert webhook_secret_hash() == SANDBOX_SECRET_HASH
    settings.PAYMENT_GATEWAY = "flutterwave"
    assert webhook_secret_hash() == ""


def test_payments_tells_the_sandbox_where_its_checkout_and_webhook_live(sandbox, settings):
    from gateways import GatewayError
    from gateways.sandbox import SandboxRoutes, routes

    assert routes.url(routes.webhook_path) == f"{settings.SITE_URL}/api/v1/payments/webhook/"
    assert routes.url(routes.checkout_path, "TK-1") == settings.SITE_URL + reverse(
        "payments-sandbox-checkout", args=["TK-1"]
    )
    with pytest.raises(GatewayError):
        SandboxRoutes().url(None)
