"""Fixtures of the finance tests: paid bookings through the payments services, seller money,
withdrawal methods, and Flutterwave's transfer endpoint on the loopback stub."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from finance import services
from finance.models import LedgerEntry
from payments import services as payment_services
from tests.factories import CampaignFactory, SellerFactory, TicketTypeFactory
from tests.payments.conftest import FakeFlutterwave, use_flutterwave_stub


class FakeTransfers(FakeFlutterwave):
    """FakeFlutterwave plus `POST /v3/transfers` and `GET /v3/transfers/{id}`.

    `transfer_error` is 500, "timeout" or a refusal message (answered 400); `get_error` is
    500 or "timeout". Transfers are NEW until `complete(reference, status)`.
    """

    FIRST_TRANSFER_ID = 190626

    def __init__(self, stub):
        super().__init__(stub)
        self.transfer_error = None
        self.get_error = None
        self.records: dict[int, dict] = {}
        stub.route("POST", "/v3/transfers", self._transfer)

    def _transfer(self, request):
        if self.transfer_error in (500, "timeout"):
            return self._fail(self.transfer_error)
        if self.transfer_error:
            return 400, {"status": "error", "message": self.transfer_error, "data": None}
        body = request.json()
        transfer_id = self.FIRST_TRANSFER_ID + len(self.records)
        self.records[transfer_id] = {
            "id": transfer_id,
            "account_number": body["account_number"],
            "bank_code": body["account_bank"],
            "full_name": body["beneficiary_name"],
            "currency": body["currency"],
            "amount": json.loads(body["amount"]),
            "fee": 10.75,
            "reference": body["reference"],
            "status": "NEW",
            "complete_message": "",
        }
        self.stub.route(
            "GET", f"/v3/transfers/{transfer_id}", lambda request: self._get(transfer_id)
        )
        return 200, {
            "status": "success",
            "message": "Transfer Queued Successfully",
            "data": self.records[transfer_id],
        }

    def _get(self, transfer_id):
        if self.get_error:
            return self._fail(self.get_error)
        return 200, {
            "status": "success",
            "message": "Transfer fetched",
            "data": self.records[transfer_id],
        }

    def complete(self, reference: str, status: str, /, **changes) -> dict:
        """The gateway finishes the transfer of `reference`: SUCCESSFUL or FAILED."""
        [record] = [r for r in self.records.values() if r["reference"] == reference]
        message = {
            "SUCCESSFUL": "Approved Or Completed Successfully",
            "FAILED": "Account resolve failed",
        }
        record.update(status=status, complete_message=message.get(status, ""), **changes)
        return record

    def transfers(self) -> list:
        return self.calls("POST", "/v3/transfers")

    def transfer_reads(self) -> list:
        return [
            r
            for r in self.stub.requests
            if r.method == "GET" and r.path.startswith("/v3/transfers/")
        ]


@pytest.fixture
def flw(stub_server, settings, monkeypatch):
    """The Flutterwave gateway pointed at a loopback stub; short timeouts, no retry pauses."""
    use_flutterwave_stub(stub_server, settings, monkeypatch)
    return FakeTransfers(stub_server)


@pytest.fixture
def campaign(seller):
    """Sam's NGN campaign, a week away, ending five hours after it starts."""
    return CampaignFactory(seller=seller, title="Afrobeats Live", currency="NGN")


@pytest.fixture
def ticket_type(campaign):
    return TicketTypeFactory(campaign=campaign, name="Regular", price="2500.00", capacity=50)


@pytest.fixture
def pay(flw):
    """`pay(booking, source="webhook")`: pay a booking in full at the gateway and confirm it."""

    def make(booking, source="webhook"):
        payment = payment_services.payment_initialize(
            booking_id=booking.pk, customer=booking.customer
        )
        flw.charge(payment.tx_ref, amount=str(booking.total))
        result = payment_services.payment_verify_and_confirm(tx_ref=payment.tx_ref, source=source)
        assert result.outcome == "confirmed"
        return result.payment

    return make


@pytest.fixture
def credit():
    """`credit(seller, "1000.00", currency="NGN")`: available money, as an ADJUSTMENT."""

    def make(seller, amount, currency="NGN", available_at=None):
        return LedgerEntry.objects.create(
            seller=seller,
            currency=currency,
            amount=Decimal(amount),
            kind=LedgerEntry.Kind.ADJUSTMENT,
            available_at=available_at or timezone.now() - timedelta(days=1),
        )

    return make


@pytest.fixture
def bank_method(seller):
    """Sam's default NGN bank account at Access Bank (044)."""
    return services.withdrawal_method_add(
        seller=seller,
        kind="bank",
        bank_code="044",
        account_number="0690000031",
        account_name="Sam Seller",
        country="NG",
        currency="NGN",
    )


@pytest.fixture
def other_seller(db):
    return SellerFactory(email="other@example.com", name="Olu Other")
