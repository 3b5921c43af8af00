"""Payouts: the money leaves the available balance at once, the transfer goes to Flutterwave
once with the payout's reference, and `transfer.completed` settles it (a failure gives the
money back). Every refusal changes nothing."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import AuditEvent
from finance import selectors, services
from finance.models import LedgerEntry, Payout
from payments.models import WebhookEvent
from tests.factories import ManagerFactory, UserFactory
from tests.payments.conftest import post_webhook, webhook_body

pytestmark = pytest.mark.django_db

URL = "/api/v1/finance/withdrawals/"


@pytest.fixture
def funded(seller, credit):
    """Sam has NGN 10000.00 available and NGN 3000.00 still on hold."""
    credit(seller, "10000.00")
    credit(seller, "3000.00", available_at=timezone.now() + timedelta(days=5))
    return seller


def _available(seller, currency="NGN") -> Decimal:
    return selectors.seller_available_balance(seller_id=seller.pk, currency=currency)


def _request(seller, method, amount="2500.50") -> Payout:
    return services.payout_request(
        seller=seller, amount=amount, currency="NGN", method_id=method.pk
    )


def _snapshot():
    return (
        list(LedgerEntry.objects.order_by("id").values_list("id", "kind", "amount")),
        list(Payout.objects.order_by("id").values_list("id", "status", "amount")),
    )


def test_a_withdrawal_takes_the_money_at_once_and_sends_one_transfer(
    flw, funded, bank_method, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(funded).post(
            URL, {"amount": "2500.50", "currency": "NGN", "method": bank_method.pk}
        )

    assert response.status_code == 201
    payout = Payout.objects.get()
    assert response.json() == {
        "id": payout.pk,
        "status": "requested",
        "amount": "2500.50",
        "currency": "NGN",
        "method": bank_method.pk,
        "reference": payout.reference,
        "failure_reason": "",
        "created_at": response.json()["created_at"],
    }
    [call] = flw.transfers()
    assert call.headers["Authorization"] == "Bearer FLWSECK_TEST-unit-tests"
    assert call.json() == {
        "account_bank": "044",
        "account_number": "0690000031",
        "amount": "2500.50",
        "currency": "NGN",
        "narration": f"Payout {payout.reference}",
        "reference": payout.reference,
        "beneficiary_name": "Sam Seller",
    }
    payout.refresh_from_db()
    assert (payout.status, payout.gateway_transfer_id) == ("processing", "190626")
    assert list(LedgerEntry.objects.filter(payout=payout).values_list("kind", "amount")) == [
        ("payout", Decimal("-2500.50"))
    ]
    assert selectors.seller_balances(seller=funded) == [
        selectors.Balance("NGN", Decimal("3000.00"), Decimal("7499.50"), Decimal("2500.50"))
    ]
    event = AuditEvent.objects.get(action="payout.requested")
    assert (event.actor, event.target_id, event.metadata) == (
        funded,
        str(payout.pk),
        {"amount": "2500.50", "currency": "NGN", "reference": payout.reference},
    )


def test_sending_a_payout_again_never_sends_a_second_transfer(flw, funded, bank_method):
    payout = _request(funded, bank_method)
    assert services.payout_send(payout_id=payout.pk) == "sent"

    assert services.payout_send(payout_id=payout.pk) == "already_sent"

    assert len(flw.transfers()) == 1


def test_no_answer_leaves_the_payout_for_a_retry_with_the_same_reference(
    flw, funded, bank_method, monkeypatch
):
    payout = _request(funded, bank_method)
    flw.transfer_error = 500

    assert services.payout_send(payout_id=payout.pk) == "gateway_unavailable"
    payout.refresh_from_db()
    assert payout.status == "requested"
    # A second run right away may overlap the first: it waits.
    assert services.payout_send(payout_id=payout.pk) == "in_flight"
    assert len(flw.transfers()) == 1

    flw.transfer_error = None
    monkeypatch.setattr(services, "TRANSFER_IN_FLIGHT", timedelta(0))
    assert services.payout_send(payout_id=payout.pk) == "sent"

    first, second = flw.transfers()
    assert first.json()["reference"] == second.json()["reference"] == payout.reference
    payout.refresh_from_db()
    assert payout.status == "processing"
    assert _available(funded) == Decimal("7499.50")


def test_a_refused_transfer_fails_the_payout_and_gives_the_money_back(flw, funded, bank_method):
    payout = _request(funded, bank_method)
    flw.transfer_error = "Insufficient balance in wallet"

    assert services.payout_send(payout_id=payout.pk) == "failed"

    payout.refresh_from_db()
    assert (payout.status, payout.failure_reason) == (
        "failed",
        "Refused by the payment provider: POST /v3/transfers: Insufficient balance in wallet",
    )
    assert list(
        LedgerEntry.objects.filter(payout=payout).order_by("id").values_list("kind", "amount")
    ) == [("payout", Decimal("-2500.50")), ("payout_reversal", Decimal("2500.50"))]
    assert _available(funded) == Decimal("10000.00")
    assert services.payout_send(payout_id=payout.pk) == "already_sent"
    assert len(flw.transfers()) == 1


def test_a_refusal_after_an_unanswered_attempt_waits_for_the_webhook(
    flw, funded, bank_method, monkeypatch
):
    """The first transfer may have gone through; "duplicate reference" must not refund it."""
    payout = _request(funded, bank_method)
    flw.transfer_error = "timeout"
    assert services.payout_send(payout_id=payout.pk) == "gateway_unavailable"
    flw.transfer_error = "Duplicate reference"
    monkeypatch.setattr(services, "TRANSFER_IN_FLIGHT", timedelta(0))

    assert services.payout_send(payout_id=payout.pk) == "awaiting_webhook"

    payout.refresh_from_db()
    assert payout.status == "processing"
    assert _available(funded) == Decimal("7499.50")


def _transfer_data(payout, status, **changes) -> dict:
    return {
        "id": 190626,
        "account_number": "0690000031",
        "bank_name": "ACCESS BANK NIGERIA",
        "fullname": "Sam Seller",
        "currency": payout.currency,
        "amount": float(payout.amount),
        "fee": 10.75,
        "status": status,
        "reference": payout.reference,
        "complete_message": "Approved Or Completed Successfully"
        if status == "SUCCESSFUL"
        else "Account resolve failed",
        **changes,
    }


def test_the_transfer_webhook_success_marks_the_payout_paid_once(
    flw, funded, bank_method, api_client, django_capture_on_commit_callbacks
):
    payout = _request(funded, bank_method)
    services.payout_send(payout_id=payout.pk)
    body = webhook_body(_transfer_data(payout, "SUCCESSFUL"), event="transfer.completed")

    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            assert post_webhook(api_client, body).status_code == 200

    payout.refresh_from_db()
    assert payout.status == "paid"
    assert payout.completed_at is not None
    assert WebhookEvent.objects.get().result == "payout_paid"
    assert AuditEvent.objects.filter(action="payout.paid", target_id=str(payout.pk)).count() == 1
    assert selectors.seller_balances(seller=funded) == [
        selectors.Balance("NGN", Decimal("3000.00"), Decimal("7499.50"), Decimal("2500.50"))
    ]


def test_the_transfer_webhook_failure_reverses_the_payout_once(
    flw, funded, bank_method, api_client, django_capture_on_commit_callbacks
):
    payout = _request(funded, bank_method)
    services.payout_send(payout_id=payout.pk)
    body = webhook_body(_transfer_data(payout, "FAILED"), event="transfer.completed")

    with django_capture_on_commit_callbacks(execute=True):
        assert post_webhook(api_client, body).status_code == 200
    data = _transfer_data(payout, "FAILED")
    assert services.payout_transfer_completed(data=data) == "settled"

    payout.refresh_from_db()
    assert (payout.status, payout.failure_reason) == ("failed", "Account resolve failed")
    assert WebhookEvent.objects.get().result == "payout_failed"
    assert LedgerEntry.objects.filter(payout=payout, kind="payout_reversal").count() == 1
    assert selectors.seller_balances(seller=funded) == [
        selectors.Balance("NGN", Decimal("3000.00"), Decimal("10000.00"), Decimal("0.00"))
    ]
    assert AuditEvent.objects.filter(action="payout.failed").count() == 1


@pytest.mark.parametrize(
    "changes",
    [{"amount": 9999.0}, {"currency": "USD"}, {"amount": None}, {"status": "PENDING"}],
)
def test_a_transfer_webhook_that_does_not_match_the_payout_changes_nothing(
    flw, funded, bank_method, changes
):
    payout = _request(funded, bank_method)
    services.payout_send(payout_id=payout.pk)
    before = _snapshot()

    expected = "ignored" if "status" in changes else "mismatch"
    data = _transfer_data(payout, "FAILED") | changes

    assert services.payout_transfer_completed(data=data) == expected
    assert _snapshot() == before


def test_a_transfer_webhook_for_an_unknown_reference_is_stored_and_ignored(
    flw, api_client, django_capture_on_commit_callbacks
):
    data = {"id": 5, "reference": "PO-NOPE", "status": "SUCCESSFUL", "amount": 1, "currency": "NGN"}

    with django_capture_on_commit_callbacks(execute=True):
        post_webhook(api_client, webhook_body(data, event="transfer.completed"))

    assert WebhookEvent.objects.get().result == "unknown_payout"
    assert Payout.objects.count() == 0


def test_payouts_never_sent_are_enqueued_again(flw, funded, bank_method, monkeypatch):
    payout = _request(funded, bank_method)
    monkeypatch.setattr(services, "TRANSFER_IN_FLIGHT", timedelta(0))

    assert services.payouts_send_due() == 1  # run in-process: sends it

    payout.refresh_from_db()
    assert payout.status == "processing"
    assert services.payouts_send_due() == 0
    assert len(flw.transfers()) == 1


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"amount": "-5.00"}, 400, "invalid"),
        ({"amount": "0"}, 400, "invalid"),
        ({"amount": "0.00"}, 400, "invalid"),
        ({"amount": "10.001"}, 400, "invalid"),
        ({"amount": "ten"}, 400, "invalid"),
        ({"amount": "NaN"}, 400, "invalid"),
        ({"currency": "XYZ"}, 400, "invalid"),
        ({"currency": "USD"}, 400, "invalid"),  # the method receives NGN only
        ({"method": 999999}, 404, "not_found"),
        ({"method": "abc"}, 400, "invalid"),
        ({"amount": "10000.01"}, 400, "insufficient_funds"),  # on-hold money does not count
        ({"amount": None}, 400, "invalid"),
    ],
)
def test_malformed_or_excessive_withdrawals_are_refused_and_change_nothing(
    flw, funded, bank_method, client_for, django_capture_on_commit_callbacks, body, status, code
):
    payload = {"amount": "100.00", "currency": "NGN", "method": bank_method.pk, **body}
    payload = {key: value for key, value in payload.items() if value is not None}
    before = _snapshot()

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(funded).post(URL, payload)

    assert (response.status_code, response.json()["code"]) == (status, code)
    assert _snapshot() == before
    assert flw.transfers() == []


def test_insufficient_funds_says_what_is_available(funded, bank_method, client_for):
    response = client_for(funded).post(
        URL, {"amount": "10000.01", "currency": "NGN", "method": bank_method.pk}
    )

    assert response.json() == {
        "code": "insufficient_funds",
        "detail": "You can withdraw up to 10000.00 NGN.",
        "available": "10000.00",
    }


def test_another_sellers_method_is_not_found_and_nothing_changes(
    funded, other_seller, client_for, credit
):
    theirs = services.withdrawal_method_add(
        seller=other_seller,
        kind="bank",
        bank_code="058",
        account_number="0123456789",
        account_name="Olu Other",
        country="NG",
        currency="NGN",
    )
    before = _snapshot()

    response = client_for(funded).post(
        URL, {"amount": "100.00", "currency": "NGN", "method": theirs.pk}
    )

    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert _snapshot() == before


def test_a_removed_method_cannot_receive_payouts(funded, bank_method, client_for):
    services.withdrawal_method_remove(seller=funded, method_id=bank_method.pk)

    response = client_for(funded).post(
        URL, {"amount": "100.00", "currency": "NGN", "method": bank_method.pk}
    )

    assert response.status_code == 404
    assert Payout.objects.count() == 0


def test_the_seller_lists_only_their_own_payouts(
    funded, bank_method, other_seller, credit, client_for
):
    mine = _request(funded, bank_method, amount="10.00")
    credit(other_seller, "50.00")
    theirs_method = services.withdrawal_method_add(
        seller=other_seller,
        kind="mobile_money",
        bank_code="MPS",
        account_number="+254712345678",
        account_name="Olu Other",
        country="KE",
        currency="NGN",
    )
    _request(other_seller, theirs_method, amount="20.00")

    response = client_for(funded).get(URL)

    assert response.status_code == 200
    assert [(p["id"], p["amount"]) for p in response.json()["results"]] == [(mine.pk, "10.00")]


@pytest.mark.parametrize("role_factory", [UserFactory, ManagerFactory])
def test_only_sellers_may_withdraw(role_factory, client_for):
    user = role_factory()

    for path in ("withdrawals/", "balance/", "transactions/", "withdrawal-methods/", "reports/"):
        response = client_for(user).get(f"/api/v1/finance/{path}")
        assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    response = client_for(user).post(URL, {"amount": "1.00", "currency": "NGN", "method": 1})
    assert response.status_code == 403
    assert client_for(None).get(URL).status_code in (401, 403)
    assert Payout.objects.count() == 0
