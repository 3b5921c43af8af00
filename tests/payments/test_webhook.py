"""The webhook: signature, storage once, verification with the gateway, confirmation once."""

import json
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from bookings.models import Ticket
from payments import services
from payments.models import Refund, WebhookEvent
from tests.payments.conftest import WEBHOOK_HASH, post_webhook, webhook_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def payment(flw, booking, customer):
    return services.payment_initialize(booking_id=booking.pk, customer=customer)


def _state(booking, payment):
    booking.refresh_from_db()
    payment.refresh_from_db()
    return booking.status, payment.status, Ticket.objects.filter(booking=booking).count()


def test_a_valid_webhook_confirms_the_booking_once(
    flw, payment, booking, api_client, django_capture_on_commit_callbacks
):
    data = flw.charge(payment.tx_ref, amount="5000.00", id=9100001)

    with django_capture_on_commit_callbacks(execute=True):
        response = post_webhook(api_client, webhook_body(data))

    assert response.status_code == 200
    assert response.json() == {"status": "received"}
    assert _state(booking, payment) == ("confirmed", "successful", 1)
    assert booking.confirmed_via == "webhook"
    assert payment.gateway_transaction_id == "9100001"
    assert payment.amount_paid == Decimal("5000.00")
    assert payment.confirmed_via == "webhook"
    assert payment.verification["tx_ref"] == payment.tx_ref
    event = WebhookEvent.objects.get()
    assert (event.event, event.tx_ref, event.transaction_id, event.result) == (
        "charge.completed",
        payment.tx_ref,
        "9100001",
        "confirmed",
    )
    assert event.processed_at is not None
    assert json.loads(event.body) == {"event": "charge.completed", "data": data}
    assert "verif-hash" not in {name.lower() for name in event.headers}
    assert [r.path for r in flw.calls("GET")] == ["/v3/transactions/9100001/verify"]


def test_the_same_webhook_again_is_recognised_and_changes_nothing(
    flw, payment, booking, api_client, django_capture_on_commit_callbacks
):
    data = flw.charge(payment.tx_ref, amount="5000.00")
    with django_capture_on_commit_callbacks(execute=True):
        post_webhook(api_client, webhook_body(data))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = [post_webhook(api_client, webhook_body(data)) for _ in range(3)]

    assert [r.json() for r in again] == [{"status": "duplicate"}] * 3
    assert callbacks == []
    assert WebhookEvent.objects.get().deliveries == 4
    assert _state(booking, payment) == ("confirmed", "successful", 1)
    assert len(flw.calls("GET")) == 1


@pytest.mark.parametrize("verif_hash", [None, "", "wrong-hash", "test-webhook-hash "])
def test_a_wrong_or_missing_hash_is_401_and_stores_nothing(
    flw, payment, booking, api_client, verif_hash, django_capture_on_commit_callbacks
):
    data = flw.charge(payment.tx_ref, amount="5000.00")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post_webhook(api_client, webhook_body(data), verif_hash=verif_hash)

    assert response.status_code == 401
    assert response.json() == {
        "code": "invalid_signature",
        "detail": "The webhook signature is missing or wrong.",
    }
    assert callbacks == []
    assert WebhookEvent.objects.count() == 0
    assert _state(booking, payment) == ("pending_payment", "pending", 0)
    assert flw.calls("GET") == []


def test_without_a_configured_hash_every_webhook_is_refused(flw, payment, api_client, settings):
    settings.FLUTTERWAVE_SECRET_HASH = ""

    response = post_webhook(api_client, webhook_body({"id": 1}), verif_hash="")

    assert response.status_code == 401
    assert WebhookEvent.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"not json", "parse_error"),
        (b"[1, 2]", "invalid"),
        (b'"text"', "invalid"),
        (b"", "invalid"),
    ],
)
def test_a_malformed_body_with_the_right_hash_is_400_and_stores_nothing(
    flw, payment, api_client, body, code
):
    response = post_webhook(api_client, body)

    assert response.status_code == 400
    assert response.json()["code"] == code
    assert WebhookEvent.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"[" * 20000 + b"]" * 20000, "nesting_too_deep"),
        (b'{"event": "charge.completed\\u0000", "data": {"id": 1}}', "invalid_characters"),
        (
            b'{"event": "charge.completed", "data": {"id": "\\ud800", "tx_ref": "a"}}',
            "invalid_characters",
        ),
        (b'{"event": "charge.completed", "data": {"id": 1e400}}', "number_out_of_range"),
        (b'{"event": "charge.completed", "data": {"\\udfff": 1}}', "invalid_characters"),
        (b"\xff\xfe\x00garbage", "parse_error"),
    ],
    ids=["deep", "nul", "surrogate-value", "1e400", "surrogate-key", "binary"],
)
def test_a_signed_garbage_body_is_400_and_stores_and_verifies_nothing(
    flw, payment, booking, api_client, body, code
):
    response = post_webhook(api_client, body)

    assert response.status_code == 400
    assert response.json()["code"] == code
    assert WebhookEvent.objects.count() == 0
    assert _state(booking, payment) == ("pending_payment", "pending", 0)
    assert flw.calls("GET") == []


def test_the_webhook_service_applies_the_guards_rules_to_a_body_given_directly(payment):
    with pytest.raises(services.InvalidWebhook, match="NUL character"):
        services.webhook_receive(
            body=b'{"event": "charge.completed", "data": {"id": "1\\u0000"}}',
            headers={"verif-hash": WEBHOOK_HASH},
        )
    assert WebhookEvent.objects.count() == 0


def test_a_failed_report_after_a_successful_one_changes_nothing(
    flw, payment, booking, api_client, django_capture_on_commit_callbacks
):
    data = flw.charge(payment.tx_ref, amount="5000.00", id=9100002)
    with django_capture_on_commit_callbacks(execute=True):
        post_webhook(api_client, webhook_body(data))
    failed = dict(data, status="failed")
    flw.transactions["9100002"] = failed  # even the gateway now says failed

    with django_capture_on_commit_callbacks(execute=True):
        response = post_webhook(api_client, webhook_body(failed))

    assert response.json() == {"status": "received"}
    assert _state(booking, payment) == ("confirmed", "successful", 1)
    assert WebhookEvent.objects.get(dedupe_key__endswith=":failed").result == "settled"


def test_a_failed_payment_marks_the_payment_failed_and_keeps_the_hold(
    flw, payment, booking, api_client, django_capture_on_commit_callbacks
):
    data = flw.charge(payment.tx_ref, amount="5000.00", status="failed")

    with django_capture_on_commit_callbacks(execute=True):
        post_webhook(api_client, webhook_body(data))

    assert _state(booking, payment) == ("pending_payment", "failed", 0)
    assert payment.failure_reason == "Failed at the gateway."


def test_a_webhook_body_claiming_success_is_not_trusted(
    flw, payment, booking, api_client, django_capture_on_commit_callbacks
):
    data = flw.charge(payment.tx_ref, amount="5000.00", status="pending")
    forged = dict(data, status="successful")

    with django_capture_on_commit_callbacks(execute=True):
        post_webhook(api_client, webhook_body(forged))

    assert _state(booking, payment) == ("pending_payment", "pending", 0)
    assert WebhookEvent.objects.get().result == "not_paid"


@pytest.mark.parametrize(
    ("amount", "currency", "paid"),
    [
        ("4999.99", "NGN", "NGN\xa04,999.99"),
        ("5000.00", "USD", "USD\xa05,000.00"),
        ("50.00", "NGN", "NGN\xa050.00"),
    ],
)
def test_a_tampered_amount_or_currency_does_not_confirm_and_is_refunded(
    flw, payment, booking, api_client, amount, currency, paid, django_capture_on_commit_callbacks
):
    data = flw.charge(payment.tx_ref, amount=amount, currency=currency, id=9100002)
    # The body may say anything: the gateway's answer is what is checked.
    body = webhook_body(dict(data, amount=5000, currency="NGN"))
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        post_webhook(api_client, body)

    # The customer was charged: the charge goes back in full, in the currency it was made in.
    assert _state(booking, payment) == ("pending_payment", "refunded", 0)
    assert payment.failure_reason == f"Paid {paid}, expected NGN\xa05,000.00."
    assert WebhookEvent.objects.get().result == "refunded"
    assert len(flw.calls("POST", "/v3/transactions/9100002/refund")) == 1
    refund = Refund.objects.get()
    assert (refund.status, refund.amount, refund.currency, refund.reason) == (
        "completed",
        Decimal(amount),
        currency,
        "automatic",
    )
    [email] = mail.outbox
    assert f"expected NGN\xa05,000.00.\n\nWe have refunded your payment of {paid} (" in email.body
    # The hold stands: the customer can pay again, at a new checkout.
    again = services.payment_initialize(booking_id=booking.pk, customer=booking.customer)
    assert again.pk != payment.pk
    assert again.amount == Decimal("5000.00")


def test_a_tampered_amount_reported_again_is_refunded_once(
    flw, payment, booking, api_client, django_capture_on_commit_callbacks
):
    flw.charge(payment.tx_ref, amount="50.00")

    with django_capture_on_commit_callbacks(execute=True):
        first = services.payment_verify_and_confirm(tx_ref=payment.tx_ref, source="webhook")
        again = services.payment_verify_and_confirm(tx_ref=payment.tx_ref, source="redirect")

    assert (first.outcome, again.outcome) == ("refunded", "settled")
    assert len(flw.calls("POST", "/refund")) == 1
    assert len(mail.outbox) == 1


def test_an_overpayment_confirms_and_its_excess_is_refunded_once(
    flw, payment, booking, api_client, django_capture_on_commit_callbacks
):
    data = flw.charge(payment.tx_ref, amount="6000.00", id=9100004)

    with django_capture_on_commit_callbacks(execute=True):
        post_webhook(api_client, webhook_body(data))

    assert _state(booking, payment) == ("confirmed", "successful", 1)
    assert payment.amount_paid == Decimal("6000.00")
    [refund_call] = flw.calls("POST", "/v3/transactions/9100004/refund")
    assert refund_call.json()["amount"] == "1000.00"
    refund = Refund.objects.get()
    assert (refund.reason, refund.status, refund.amount, refund.currency) == (
        "excess",
        "completed",
        Decimal("1000.00"),
        "NGN",
    )
    # Reported again, sent again: nothing more goes back.
    with django_capture_on_commit_callbacks(execute=True):
        again = services.payment_verify_and_confirm(tx_ref=payment.tx_ref, source="redirect")
    assert again.outcome == "settled"
    assert services.payment_excess_refund_send(refund_id=refund.pk) == "completed"
    assert len(flw.calls("POST", "/refund")) == 1


def test_an_excess_the_gateway_cannot_take_now_is_sent_by_reconciliation(
    flw, payment, booking, django_capture_on_commit_callbacks
):
    flw.charge(payment.tx_ref, amount="6000.00")
    flw.refund_error = 500

    with django_capture_on_commit_callbacks(execute=True):
        result = services.payment_verify_and_confirm(tx_ref=payment.tx_ref, source="webhook")

    assert result.outcome == "confirmed"
    assert Refund.objects.get().status == "pending"
    # Within the in-flight window it is not sent twice, reconciliation or not.
    assert services.payment_excess_refund_send(refund_id=Refund.objects.get().pk) == "pending"
    assert len(flw.calls("POST", "/refund")) == 1

    flw.refund_error = None
    Refund.objects.update(updated_at=timezone.now() - services.REFUND_IN_FLIGHT)
    later = timezone.now() + services.RECONCILE_AFTER
    assert services.reconcile_pending_payments(now=later)["excess_refunds"] == 1

    assert Refund.objects.get().status == "completed"
    assert len(flw.calls("POST", "/refund")) == 2
    assert _state(booking, payment) == ("confirmed", "successful", 1)


def test_refunding_an_overpaid_booking_sends_back_the_price_beside_the_excess(
    flw, payment, booking, super_admin, django_capture_on_commit_callbacks
):
    flw.charge(payment.tx_ref, amount="6000.00", id=9100005)
    with django_capture_on_commit_callbacks(execute=True):
        services.payment_verify_and_confirm(tx_ref=payment.tx_ref, source="webhook")

    with django_capture_on_commit_callbacks(execute=True):
        services.payment_refund(booking_id=booking.pk, actor=super_admin)

    excess_call, price_call = flw.calls("POST", "/v3/transactions/9100005/refund")
    assert (excess_call.json()["amount"], price_call.json()["amount"]) == ("1000.00", "5000.00")
    assert sorted(Refund.objects.values_list("reason", "amount", "status")) == [
        ("excess", Decimal("1000.00"), "completed"),
        ("requested", Decimal("5000.00"), "completed"),
    ]
    assert _state(booking, payment) == ("refunded", "refunded", 1)


def test_a_transaction_of_another_payment_does_not_confirm_this_one(
    flw, payment, booking, book, api_client, django_capture_on_commit_callbacks
):
    other_booking = book(quantity=2)
    other = services.payment_initialize(
        booking_id=other_booking.pk, customer=other_booking.customer
    )
    paid_other = flw.charge(other.tx_ref, amount="5000.00", id=9100003)
    # A webhook naming our tx_ref but another payment's transaction id.
    with django_capture_on_commit_callbacks(execute=True):
        post_webhook(api_client, webhook_body(dict(paid_other, tx_ref=payment.tx_ref)))

    assert _state(booking, payment) == ("pending_payment", "pending", 0)
    assert WebhookEvent.objects.get().result == "mismatch"


def test_a_webhook_for_an_unknown_tx_ref_is_stored_and_ignored(
    flw, api_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_webhook(api_client, webhook_body({"id": 5, "tx_ref": "TK-NOPE"}))

    assert response.status_code == 200
    assert WebhookEvent.objects.get().result == "unknown_payment"
    assert flw.calls("GET") == []


def test_other_events_are_stored_and_ignored(flw, api_client, django_capture_on_commit_callbacks):
    subscription = {"id": 77, "status": "cancelled"}  # transfers go to finance (tests/finance)
    body = webhook_body(subscription, event="subscription.cancelled")

    with django_capture_on_commit_callbacks(execute=True):
        post_webhook(api_client, body)

    assert WebhookEvent.objects.get().result == "ignored"


def test_gateway_down_leaves_the_event_unprocessed_and_the_payment_pending(
    flw, payment, booking, api_client, django_capture_on_commit_callbacks
):
    data = flw.charge(payment.tx_ref, amount="5000.00")
    flw.verify_error = 500

    with django_capture_on_commit_callbacks(execute=True):
        response = post_webhook(api_client, webhook_body(data))

    assert response.status_code == 200
    assert _state(booking, payment) == ("pending_payment", "pending", 0)
    event = WebhookEvent.objects.get()
    assert (event.processed_at, event.result) == (None, "")
    assert len(flw.calls("GET")) == 3  # a GET is retried

    flw.verify_error = None
    assert services.webhook_event_process(event_id=event.pk) == "confirmed"
    assert _state(booking, payment) == ("confirmed", "successful", 1)


def test_the_webhook_is_not_in_the_schema(api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()

    assert "/api/v1/payments/webhook/" not in schema
    assert "/api/v1/payments/initialize/" in schema
