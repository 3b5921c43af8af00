"""Fixtures of the payments tests: a Flutterwave stand-in on loopback, bookings, webhooks."""

import json
import time
from decimal import Decimal

import pytest

from gateways import flutterwave
from tests.factories import CampaignFactory, TicketTypeFactory

WEBHOOK_URL = "/api/v1/payments/webhook/"
WEBHOOK_HASH = "test-webhook-hash"  # FLUTTERWAVE_SECRET_HASH in the test environment
SECRET_KEY = "FLWSECK_TEST-unit-tests"  # FLUTTERWAVE_SECRET_KEY in the test environment
STUB_TIMEOUT = 0.5


class FakeFlutterwave:
    """Flutterwave v3 as our client sees it, served by `stub_server` over real HTTP.

    `charge(...)` makes the gateway know a transaction; `verify_error` / `refund_error`
    (500 or "timeout") make those endpoints fail until reset.
    """

    def __init__(self, stub):
        self.stub = stub
        self.transactions: dict[str, dict] = {}
        self.verify_error = None
        self.refund_error = None
        self._next_id = 9000001
        stub.route("POST", "/v3/payments", self._initialize)
        stub.route("GET", "/v3/transactions/verify_by_reference", self._verify_by_reference)

    def _initialize(self, request):
        tx_ref = request.json()["tx_ref"]
        return 200, {
            "status": "success",
            "message": "Hosted Link",
            "data": {"link": f"https://checkout.flutterwave.test/v3/hosted/pay/{tx_ref}"},
        }

    def charge(self, tx_ref, *, amount, currency="NGN", status="successful", id=None) -> dict:
        transaction_id = str(id or self._next_id)
        self._next_id += 1
        data = {
            "id": int(transaction_id),
            "tx_ref": tx_ref,
            "flw_ref": f"FLW-MOCK-{transaction_id}",
            "amount": json.loads(str(amount)),
            "currency": currency,
            "charged_amount": json.loads(str(amount)),
            "status": status,
            "payment_type": "card",
            "customer": {"email": "customer@example.com", "name": "Ada Customer"},
        }
        self.transactions[transaction_id] = data
        self.stub.route(
            "GET",
            f"/v3/transactions/{transaction_id}/verify",
            lambda request: self._answer(self.transactions[transaction_id]),
        )
        self.stub.route(
            "POST",
            f"/v3/transactions/{transaction_id}/refund",
            lambda request: self._refund(transaction_id),
        )
        return data

    def _fail(self, error):
        if error == "timeout":
            time.sleep(STUB_TIMEOUT * 3)
        return 500, {"status": "error", "message": "Internal server error"}

    def _answer(self, data):
        if self.verify_error:
            return self._fail(self.verify_error)
        return 200, {"status": "success", "message": "Transaction fetched", "data": data}

    def _verify_by_reference(self, request):
        matches = [t for t in self.transactions.values() if t["tx_ref"] == request.query["tx_ref"]]
        if self.verify_error:
            return self._fail(self.verify_error)
        if not matches:
            return 400, {"status": "error", "message": "No transaction was found for this id"}
        return self._answer(matches[-1])

    def _refund(self, transaction_id):
        if self.refund_error:
            return self._fail(self.refund_error)
        data = self.transactions[transaction_id]
        return 200, {
            "status": "success",
            "message": "Transaction refund initiated",
            "data": {
                "id": 75923,
                "tx_id": int(transaction_id),
                "flw_ref": "URF_1577867664541_3572735",
                "amount_refunded": data["amount"],
                "status": "completed",
            },
        }

    def calls(self, method: str, path_suffix: str = "") -> list:
        return [
            r for r in self.stub.requests if r.method == method and r.path.endswith(path_suffix)
        ]


def use_flutterwave_stub(stub_server, settings, monkeypatch) -> None:
    """Select the real Flutterwave client, pointed at the loopback stub, with short timeouts
    and no pauses between retries."""
    settings.PAYMENT_GATEWAY = "flutterwave"
    settings.FLUTTERWAVE_BASE_URL = stub_server.url
    settings.SITE_URL = "https://tickets.example.com"
    monkeypatch.setattr(flutterwave, "READ_TIMEOUT", STUB_TIMEOUT)
    monkeypatch.setattr(flutterwave, "RETRY_BACKOFF", 0)


@pytest.fixture
def flw(stub_server, settings, monkeypatch):
    """The Flutterwave gateway pointed at a loopback stub; short timeouts, no retry pauses."""
    use_flutterwave_stub(stub_server, settings, monkeypatch)
    return FakeFlutterwave(stub_server)


@pytest.fixture
def pay(flw):
    """`pay(booking)`: pay a booking in full at the gateway and confirm it."""
    from payments import services

    def make(booking):
        payment = services.payment_initialize(booking_id=booking.pk, customer=booking.customer)
        flw.charge(payment.tx_ref, amount=str(booking.total))
        assert (
            services.payment_verify_and_confirm(tx_ref=payment.tx_ref, source="webhook").outcome
            == "confirmed"
        )
        payment.refresh_from_db()
        return payment

    return make


@pytest.fixture
def ticket_type(db):
    campaign = CampaignFactory(title="Afrobeats Live", currency="NGN")
    return TicketTypeFactory(campaign=campaign, name="Regular", price="2500.00", capacity=5)


@pytest.fixture
def booking(book, customer):
    """Ada's pending booking of two Regular seats: NGN 5000.00."""
    booking = book(customer=customer, quantity=2)
    assert booking.total == Decimal("5000.00")
    return booking


def webhook_body(data: dict, event: str = "charge.completed") -> bytes:
    return json.dumps({"event": event, "data": data}).encode()


def post_webhook(client, body: bytes, verif_hash: str | None = WEBHOOK_HASH):
    headers = {"HTTP_VERIF_HASH": verif_hash} if verif_hash is not None else {}
    return client.post(WEBHOOK_URL, data=body, content_type="application/json", **headers)


def reload_urls() -> None:
    """Rebuild the URL configuration: the sandbox routes depend on PAYMENT_GATEWAY."""
    import importlib

    from django.urls import clear_url_caches

    import config.urls
    import payments.page_urls

    importlib.reload(payments.page_urls)
    importlib.reload(config.urls)
    clear_url_caches()


@pytest.fixture
def sandbox(settings):
    """The sandbox gateway selected, its checkout route mounted; the routes are rebuilt after."""
    previous = settings.PAYMENT_GATEWAY
    settings.PAYMENT_GATEWAY = "sandbox"
    reload_urls()
    yield
    settings.PAYMENT_GATEWAY = previous
    reload_urls()
