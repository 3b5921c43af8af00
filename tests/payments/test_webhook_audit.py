"""The webhook's audit trail (forged and unconfirmed deliveries) and its throttle."""

import pytest

from accounts.models import AuditEvent
from payments import services
from payments.models import WebhookEvent
from tests.payments.conftest import post_webhook, webhook_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def payment(flw, booking, customer):
    return services.payment_initialize(booking_id=booking.pk, customer=customer)


@pytest.mark.parametrize(("verif_hash", "reason"), [(None, "missing"), ("wrong-hash", "wrong")])
def test_a_forged_webhook_is_audited_with_the_sender_address(
    flw, payment, api_client, verif_hash, reason
):
    response = post_webhook(
        api_client, webhook_body({"id": 1, "tx_ref": payment.tx_ref}), verif_hash=verif_hash
    )

    assert response.status_code == 401
    assert WebhookEvent.objects.count() == 0
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.ip, event.metadata) == (
        "webhook.forged",
        None,
        "127.0.0.1",
        {"verif_hash": reason},
    )


def test_a_flood_of_forged_webhooks_leaves_one_event_a_minute_per_address(flw, api_client):
    for _ in range(5):
        post_webhook(api_client, webhook_body({"id": 1}), verif_hash="wrong-hash")
    for _ in range(3):
        api_client.post(
            "/api/v1/payments/webhook/",
            data=webhook_body({"id": 1}),
            content_type="application/json",
            REMOTE_ADDR="203.0.113.5",
        )

    assert sorted(AuditEvent.objects.values_list("action", "ip")) == [
        ("webhook.forged", "127.0.0.1"),
        ("webhook.forged", "203.0.113.5"),
    ]


def test_a_signed_webhook_the_gateway_does_not_confirm_is_audited(
    flw, payment, api_client, django_capture_on_commit_callbacks
):
    pending = flw.charge(payment.tx_ref, amount="5000.00", status="pending", id=9200001)

    with django_capture_on_commit_callbacks(execute=True):
        post_webhook(api_client, webhook_body(dict(pending, status="successful")))

    webhook = WebhookEvent.objects.get()
    event = AuditEvent.objects.get(action="webhook.unconfirmed")
    assert (event.target_type, event.target_id, event.actor) == (
        "payments.webhookevent",
        str(webhook.pk),
        None,
    )
    assert event.metadata == {
        "event": "charge.completed",
        "tx_ref": payment.tx_ref,
        "transaction_id": "9200001",
        "result": "not_paid",
    }


def test_a_signed_webhook_for_an_unknown_payment_is_audited(
    flw, api_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post_webhook(api_client, webhook_body({"id": 5, "tx_ref": "TK-NOPE"}))

    event = AuditEvent.objects.get(action="webhook.unconfirmed")
    assert event.metadata["result"] == "unknown_payment"


def test_a_confirmed_webhook_and_its_repeat_leave_no_webhook_audit(
    flw, payment, api_client, django_capture_on_commit_callbacks
):
    data = flw.charge(payment.tx_ref, amount="5000.00")

    with django_capture_on_commit_callbacks(execute=True):
        post_webhook(api_client, webhook_body(data))
        post_webhook(api_client, webhook_body(data))
    services.webhook_event_process(event_id=WebhookEvent.objects.get().pk)

    assert not AuditEvent.objects.filter(action__startswith="webhook.").exists()


def test_the_webhook_is_throttled_per_address(flw, api_client, throttle_rates, throttle_clock):
    throttle_rates(webhook="2/min")

    statuses = [
        post_webhook(api_client, webhook_body({"id": n, "tx_ref": "TK-X"})).status_code
        for n in range(3)
    ]
    refused = post_webhook(api_client, webhook_body({"id": 9, "tx_ref": "TK-X"}))
    elsewhere = api_client.post(
        "/api/v1/payments/webhook/",
        data=webhook_body({"id": 10, "tx_ref": "TK-X"}),
        content_type="application/json",
        HTTP_VERIF_HASH="test-webhook-hash",
        REMOTE_ADDR="203.0.113.5",
    )

    assert statuses == [200, 200, 429]
    assert (refused.status_code, refused["Retry-After"]) == (429, "40")
    assert refused.json() == {
        "code": "throttled",
        "detail": "Request was throttled. Expected available in 40 seconds.",
    }
    assert elsewhere.status_code == 200
    assert WebhookEvent.objects.count() == 3
    trip = AuditEvent.objects.get(action="throttle.tripped")
    assert (trip.ip, trip.metadata["scope"], trip.metadata["rate"]) == (
        "127.0.0.1",
        "webhook",
        "2/min",
    )
