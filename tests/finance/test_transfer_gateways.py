"""`get_transfer`: Flutterwave's `GET /v3/transfers/{id}` read exactly, and the sandbox's own
transfers, which settle at once and post `transfer.completed` to our site over real HTTP."""

import time
from decimal import Decimal

import pytest
from django.db import transaction

from finance import selectors, services
from finance.models import LedgerEntry, Payout
from gateways import GatewayError, GatewayUnavailable, TransactionNotFound, Transfer
from gateways.flutterwave import FlutterwaveGateway
from gateways.sandbox import SandboxGateway
from payments.models import WebhookEvent

SETTLE_WAIT = 15


def _transfer(gateway, reference="PO-TEST-1"):
    return gateway.transfer(
        reference=reference,
        amount=Decimal("2500.50"),
        currency="NGN",
        account_bank="044",
        account_number="0690000031",
        beneficiary_name="Sam Seller",
        narration="Payout PO-TEST-1",
    )


def test_flutterwave_get_transfer_reads_the_gateways_record(flw):
    sent = _transfer(FlutterwaveGateway())
    flw.complete("PO-TEST-1", "successful")

    found = FlutterwaveGateway().get_transfer(transfer_id=sent.id)

    assert found == Transfer(
        id="190626",
        reference="PO-TEST-1",
        status="SUCCESSFUL",
        amount=Decimal("2500.5"),
        currency="NGN",
        complete_message="",
        raw=flw.records[190626] | {"amount": "2500.5", "fee": "10.75"},
    )
    [read] = flw.transfer_reads()
    assert (read.method, read.path, read.query, read.body) == (
        "GET",
        "/v3/transfers/190626",
        {},
        b"",
    )
    assert read.headers["Authorization"] == "Bearer FLWSECK_TEST-unit-tests"


@pytest.mark.parametrize("error", [500, "timeout"])
def test_flutterwave_get_transfer_retries_then_reports_the_gateway_down(flw, error):
    sent = _transfer(FlutterwaveGateway())
    flw.get_error = error

    with pytest.raises(GatewayUnavailable):
        FlutterwaveGateway().get_transfer(transfer_id=sent.id)

    assert [r.path for r in flw.transfer_reads()] == ["/v3/transfers/190626"] * 3


def test_flutterwave_get_transfer_refuses_unknown_ids_and_statuses(flw):
    sent = _transfer(FlutterwaveGateway())
    with pytest.raises(TransactionNotFound):
        FlutterwaveGateway().get_transfer(transfer_id="404404")
    flw.complete("PO-TEST-1", "REVERSED")

    with pytest.raises(GatewayError, match="unknown status 'REVERSED'"):
        FlutterwaveGateway().get_transfer(transfer_id=sent.id)


@pytest.mark.parametrize(
    ("reference", "status", "message"),
    [
        ("PO-TEST-1_PMCK", "SUCCESSFUL", "Approved Or Completed Successfully"),
        ("PO-TEST-1_PMCK_ST_F", "FAILED", "Account resolve failed"),
    ],
)
def test_the_sandbox_keeps_its_transfers_settled_as_flutterwaves_test_mode(
    settings, monkeypatch, reference, status, message
):
    posted = []
    monkeypatch.setattr("gateways.sandbox.post_webhook", lambda **kw: posted.append(kw))
    settings.SITE_URL = "http://127.0.0.1:8000"
    sent = _transfer(SandboxGateway(), reference=reference)

    found = SandboxGateway().get_transfer(transfer_id=sent.id)

    assert (sent.status, found.id) == ("NEW", sent.id)
    assert (found.reference, found.status, found.amount, found.currency) == (
        reference,
        status,
        Decimal("2500.50"),
        "NGN",
    )
    assert found.complete_message == message
    for _ in range(50):  # the webhook leaves from a thread
        if posted:
            break
        time.sleep(0.01)
    assert posted == [
        {
            "url": "http://127.0.0.1:8000/api/v1/payments/webhook/",
            "body": {"event": "transfer.completed", "data": found.raw},
        }
    ]
    with pytest.raises(TransactionNotFound):
        SandboxGateway().get_transfer(transfer_id="1")


def _wait_until_settled(payout: Payout) -> Payout:
    """The payout once settled and its webhook's processing recorded: the payout row is
    updated a moment before the event's result, in the server's thread."""
    deadline = time.monotonic() + SETTLE_WAIT
    while time.monotonic() < deadline:
        payout.refresh_from_db()
        settled = payout.status in (Payout.Status.PAID, Payout.Status.FAILED)
        if settled and WebhookEvent.objects.filter(processed_at__isnull=False).exists():
            return payout
        time.sleep(0.05)
    raise AssertionError(f"Payout still {payout.status} after {SETTLE_WAIT}s")


@pytest.fixture
def sandbox_site(live_server, settings):
    """The sandbox gateway, posting its webhooks to a live server of this site."""
    settings.PAYMENT_GATEWAY = "sandbox"
    settings.SITE_URL = live_server.url
    return live_server


@pytest.mark.django_db(transaction=True)
def test_a_sandbox_payout_is_paid_through_the_transfer_webhook(
    sandbox_site, seller, credit, bank_method
):
    credit(seller, "800.00")

    payout = services.payout_request(
        seller=seller, amount="750.00", currency="NGN", method_id=bank_method.pk
    )

    payout = _wait_until_settled(payout)
    assert (payout.status, payout.failure_reason) == ("paid", "")
    assert payout.gateway_transfer_id.isdigit()
    event = WebhookEvent.objects.get()
    assert (event.event, event.result, event.transaction_id) == (
        "transfer.completed",
        "payout_paid",
        payout.gateway_transfer_id,
    )
    assert selectors.seller_available_balance(seller_id=seller.pk, currency="NGN") == Decimal(
        "50.00"
    )


@pytest.mark.django_db(transaction=True)
def test_a_sandbox_payout_to_a_failing_reference_is_reversed(
    sandbox_site, seller, credit, bank_method
):
    credit(seller, "800.00")

    with transaction.atomic():  # the transfer leaves after commit, with this reference
        payout = services.payout_request(
            seller=seller, amount="750.00", currency="NGN", method_id=bank_method.pk
        )
        payout.reference += "_PMCK_ST_F"
        Payout.objects.filter(pk=payout.pk).update(reference=payout.reference)

    payout = _wait_until_settled(payout)
    assert (payout.status, payout.failure_reason) == ("failed", "Account resolve failed")
    assert WebhookEvent.objects.get().result == "payout_failed"
    assert list(
        LedgerEntry.objects.filter(payout=payout).order_by("id").values_list("kind", "amount")
    ) == [("payout", Decimal("-750.00")), ("payout_reversal", Decimal("750.00"))]
    assert selectors.seller_available_balance(seller_id=seller.pk, currency="NGN") == Decimal(
        "800.00"
    )
