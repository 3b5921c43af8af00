"""Payouts: the money leaves the available balance at once, the transfer goes to Flutterwave
once with the payout's reference, and `transfer.completed` settles it (a failure gives the
money back) on the gateway's own record of the transfer, never the webhook body's word.
Every refusal changes nothing."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import AuditEvent
from finance import selectors, services, tasks
from finance.models import LedgerEntry, Payout
from payments import services as payment_services
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
    """A `transfer.completed` body as Flutterwave posts it (or as a forger would)."""
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


def _sent(funded, bank_method, amount="2500.50") -> Payout:
    payout = _request(funded, bank_method, amount)
    assert services.payout_send(payout_id=payout.pk) == "sent"
    return payout


def _assert_reads_of(flw, transfer_id: int, count: int) -> None:
    """The gateway was asked exactly `count` times, with our key, about this transfer."""
    reads = flw.transfer_reads()
    assert [(r.method, r.path, r.query, r.body) for r in reads] == [
        ("GET", f"/v3/transfers/{transfer_id}", {}, b"")
    ] * count
    assert {r.headers["Authorization"] for r in reads} == {"Bearer FLWSECK_TEST-unit-tests"}


def test_the_transfer_webhook_success_marks_the_payout_paid_once(
    flw, funded, bank_method, api_client, django_capture_on_commit_callbacks
):
    payout = _sent(funded, bank_method)
    flw.complete(payout.reference, "SUCCESSFUL")
    body = webhook_body(_transfer_data(payout, "SUCCESSFUL"), event="transfer.completed")

    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            assert post_webhook(api_client, body).status_code == 200

    payout.refresh_from_db()
    assert (payout.status, payout.gateway_transfer_id) == ("paid", "190626")
    assert payout.completed_at is not None
    assert WebhookEvent.objects.get().result == "payout_paid"
    _assert_reads_of(flw, 190626, count=1)
    assert AuditEvent.objects.filter(action="payout.paid", target_id=str(payout.pk)).count() == 1
    assert selectors.seller_balances(seller=funded) == [
        selectors.Balance("NGN", Decimal("3000.00"), Decimal("7499.50"), Decimal("2500.50"))
    ]


def test_the_transfer_webhook_failure_reverses_the_payout_once(
    flw, funded, bank_method, api_client, django_capture_on_commit_callbacks
):
    payout = _sent(funded, bank_method)
    flw.complete(payout.reference, "FAILED")
    body = webhook_body(_transfer_data(payout, "FAILED"), event="transfer.completed")

    with django_capture_on_commit_callbacks(execute=True):
        assert post_webhook(api_client, body).status_code == 200
    data = _transfer_data(payout, "FAILED")
    assert services.payout_transfer_completed(data=data) == "settled"

    payout.refresh_from_db()
    assert (payout.status, payout.failure_reason) == ("failed", "Account resolve failed")
    assert WebhookEvent.objects.get().result == "payout_failed"
    _assert_reads_of(flw, 190626, count=1)
    assert LedgerEntry.objects.filter(payout=payout, kind="payout_reversal").count() == 1
    assert selectors.seller_balances(seller=funded) == [
        selectors.Balance("NGN", Decimal("3000.00"), Decimal("10000.00"), Decimal("0.00"))
    ]
    assert AuditEvent.objects.filter(action="payout.failed").count() == 1


def test_a_forged_failure_of_a_successful_transfer_pays_and_never_reverses(
    flw, funded, bank_method, api_client, django_capture_on_commit_callbacks
):
    payout = _sent(funded, bank_method)
    flw.complete(payout.reference, "SUCCESSFUL")
    body = webhook_body(_transfer_data(payout, "FAILED"), event="transfer.completed")

    with django_capture_on_commit_callbacks(execute=True):
        assert post_webhook(api_client, body).status_code == 200

    payout.refresh_from_db()
    assert (payout.status, payout.failure_reason) == ("paid", "")
    assert WebhookEvent.objects.get().result == "payout_paid"
    assert list(LedgerEntry.objects.filter(payout=payout).values_list("kind", "amount")) == [
        ("payout", Decimal("-2500.50"))
    ]
    assert _available(funded) == Decimal("7499.50")
    assert AuditEvent.objects.filter(action="payout.failed").count() == 0


@pytest.mark.parametrize("forged", ["SUCCESSFUL", "FAILED"])
def test_a_forged_outcome_of_a_transfer_still_on_its_way_changes_nothing(
    flw, funded, bank_method, forged
):
    payout = _sent(funded, bank_method)
    flw.complete(payout.reference, "PENDING")
    before = _snapshot()

    assert services.payout_transfer_completed(data=_transfer_data(payout, forged)) == "pending"

    assert _snapshot() == before
    payout.refresh_from_db()
    assert (payout.status, payout.gateway_transfer_id, payout.completed_at) == (
        "processing",
        "190626",
        None,
    )
    _assert_reads_of(flw, 190626, count=1)


@pytest.mark.parametrize(
    "gateway_says",
    [{"amount": 9999.0}, {"currency": "USD"}, {"reference": "PO-SOMEONE-ELSE"}],
)
def test_a_transfer_the_gateway_reports_differently_changes_nothing(
    flw, funded, bank_method, gateway_says
):
    payout = _sent(funded, bank_method)
    flw.complete(payout.reference, "FAILED", **gateway_says)
    before = _snapshot()

    assert services.payout_transfer_completed(data=_transfer_data(payout, "FAILED")) == "mismatch"

    assert _snapshot() == before
    assert Payout.objects.get(pk=payout.pk).status == "processing"


def test_a_webhook_pointing_at_another_payouts_transfer_changes_nothing(
    flw, funded, bank_method, monkeypatch
):
    """A payout whose send answer was lost has no transfer id: the body's must match it."""
    paid_elsewhere = _sent(funded, bank_method)
    flw.complete(paid_elsewhere.reference, "FAILED")
    lost = _request(funded, bank_method)
    flw.transfer_error = "timeout"
    assert services.payout_send(payout_id=lost.pk) == "gateway_unavailable"
    before = _snapshot()

    data = _transfer_data(lost, "FAILED", id=190626)

    assert services.payout_transfer_completed(data=data) == "mismatch"
    assert _snapshot() == before


def test_a_transfer_unknown_to_the_gateway_changes_nothing(flw, funded, bank_method):
    payout = _sent(funded, bank_method)
    Payout.objects.filter(pk=payout.pk).update(gateway_transfer_id="404404")
    before = _snapshot()

    assert services.payout_transfer_completed(data=_transfer_data(payout, "FAILED")) == (
        "unconfirmed"
    )
    assert _snapshot() == before


@pytest.mark.parametrize("error", [500, "timeout"])
def test_gateway_down_leaves_the_payout_processing_and_the_webhook_for_a_retry(
    flw, funded, bank_method, api_client, django_capture_on_commit_callbacks, error
):
    payout = _sent(funded, bank_method)
    flw.complete(payout.reference, "FAILED")
    flw.get_error = error
    before = _snapshot()
    body = webhook_body(_transfer_data(payout, "FAILED"), event="transfer.completed")

    with django_capture_on_commit_callbacks(execute=True):
        assert post_webhook(api_client, body).status_code == 200

    assert _snapshot() == before
    event = WebhookEvent.objects.get()
    assert (event.processed_at, event.result) == (None, "")
    assert len(flw.transfer_reads()) == 3  # GETs are retried, then left for later

    flw.get_error = None
    assert payment_services.webhook_event_process(event_id=event.pk) == "payout_failed"
    assert Payout.objects.get(pk=payout.pk).status == "failed"
    assert _available(funded) == Decimal("10000.00")


def test_a_transfer_webhook_for_an_unknown_reference_is_stored_and_ignored(
    flw, api_client, django_capture_on_commit_callbacks
):
    data = {"id": 5, "reference": "PO-NOPE", "status": "SUCCESSFUL", "amount": 1, "currency": "NGN"}

    with django_capture_on_commit_callbacks(execute=True):
        post_webhook(api_client, webhook_body(data, event="transfer.completed"))

    assert WebhookEvent.objects.get().result == "unknown_payout"
    assert Payout.objects.count() == 0
    assert flw.transfer_reads() == []


def test_payouts_whose_webhook_never_came_are_settled_from_the_gateway(flw, funded, bank_method):
    paid, failed, pending, recent = (_sent(funded, bank_method, "1000.00") for _ in range(4))
    flw.complete(paid.reference, "SUCCESSFUL")
    flw.complete(failed.reference, "FAILED")
    flw.complete(pending.reference, "PENDING")
    flw.complete(recent.reference, "SUCCESSFUL")
    lost_answer = _request(
        funded, bank_method, "1000.00"
    )  # processing, but no transfer id to ask about
    Payout.objects.filter(pk=lost_answer.pk).update(status="processing")
    later = timezone.now() + services.SETTLE_AFTER
    Payout.objects.filter(pk=recent.pk).update(updated_at=later)

    assert services.payouts_settle_processing(now=later) == {
        "payout_paid": 1,
        "payout_failed": 1,
        "pending": 1,
    }

    statuses = dict(Payout.objects.values_list("pk", "status"))
    assert statuses == {
        paid.pk: "paid",
        failed.pk: "failed",
        pending.pk: "processing",
        recent.pk: "processing",
        lost_answer.pk: "processing",
    }
    assert [r.path for r in flw.transfer_reads()] == [
        "/v3/transfers/190626",
        "/v3/transfers/190627",
        "/v3/transfers/190628",
    ]
    # The pending one was just asked about: not again until SETTLE_AFTER has passed.
    assert services.payouts_settle_processing(now=later) == {}


def test_the_settle_beat_job_is_scheduled_and_settles(flw, funded, bank_method, settings):
    payout = _sent(funded, bank_method)
    flw.complete(payout.reference, "SUCCESSFUL")
    Payout.objects.filter(pk=payout.pk).update(updated_at=timezone.now() - services.SETTLE_AFTER)

    assert settings.CELERY_BEAT_SCHEDULE["settle-payouts"] == {
        "task": "finance.tasks.payouts_settle_processing",
        "schedule": 300.0,
    }
    assert tasks.payouts_settle_processing.delay().get() == {"payout_paid": 1}
    assert Payout.objects.get(pk=payout.pk).status == "paid"


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
        "detail": "You can withdraw up to NGN\xa010,000.00.",
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
