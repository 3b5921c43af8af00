"""Webhook signature checks and payment verifications on GET /metrics, by outcome."""

import pytest

from payments import services
from payments.models import WebhookEvent
from tests.payments.conftest import post_webhook, webhook_body

pytestmark = pytest.mark.django_db

WEBHOOKS = "tickets_webhooks_total"
VERIFICATIONS = "tickets_payment_verifications_total"


@pytest.fixture
def payment(flw, booking, customer):
    return services.payment_initialize(booking_id=booking.pk, customer=customer)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """The confirmation's ticket PDFs go to a directory of this test."""
    settings.MEDIA_ROOT = tmp_path / "media"


def test_a_verified_webhook_its_repeat_and_the_confirmed_payment_are_counted(
    flw, payment, booking, api_client, metric_changes, django_capture_on_commit_callbacks
):
    data = flw.charge(payment.tx_ref, amount="5000.00")

    with django_capture_on_commit_callbacks(execute=True):
        first = post_webhook(api_client, webhook_body(data))
        again = post_webhook(api_client, webhook_body(data))

    assert (first.json(), again.json()) == ({"status": "received"}, {"status": "duplicate"})
    booking.refresh_from_db()
    assert booking.status == "confirmed"
    assert metric_changes(WEBHOOKS) == {"outcome=verified": 1, "outcome=duplicate": 1}
    assert metric_changes(VERIFICATIONS) == {"outcome=confirmed,source=webhook": 1}
    assert metric_changes("tickets_bookings_total") == {"outcome=confirmed": 1}


def test_forged_unsigned_and_unreadable_webhooks_are_counted_and_store_nothing(
    flw, payment, booking, api_client, metric_changes
):
    body = webhook_body(flw.charge(payment.tx_ref, amount="5000.00"))

    statuses = [
        post_webhook(api_client, body, verif_hash="forged-hash").status_code,
        post_webhook(api_client, body, verif_hash=None).status_code,
        post_webhook(api_client, b"[1, 2, 3]").status_code,
        post_webhook(api_client, b"not json at all").status_code,
    ]

    assert statuses == [401, 401, 400, 400]
    assert WebhookEvent.objects.count() == 0
    booking.refresh_from_db()
    assert booking.status == "pending_payment"
    assert metric_changes(WEBHOOKS) == {
        "outcome=forged": 1,
        "outcome=unsigned": 1,
        # "not json at all" never reaches the webhook: the request guard refuses it first.
        "outcome=invalid": 1,
    }
    assert metric_changes(VERIFICATIONS) == {}


def test_verifications_after_the_redirect_are_counted_by_outcome(
    flw, payment, booking, customer, client_for, metric_changes, django_capture_on_commit_callbacks
):
    client = client_for(customer)
    url = f"/api/v1/bookings/{booking.pk}/confirm/"
    body = {"tx_ref": payment.tx_ref, "status": "successful"}

    with django_capture_on_commit_callbacks(execute=True):
        unpaid = client.post(url, body, format="json")
        flw.charge(payment.tx_ref, amount="5000.00")
        paid = client.post(url, body, format="json")
        settled = client.post(url, body, format="json")

    assert [r.json()["result"] for r in (unpaid, paid, settled)] == [
        "not_paid",
        "confirmed",
        "settled",
    ]
    assert metric_changes(VERIFICATIONS) == {
        "outcome=not_paid,source=redirect": 1,
        "outcome=confirmed,source=redirect": 1,
        "outcome=settled,source=redirect": 1,
    }
