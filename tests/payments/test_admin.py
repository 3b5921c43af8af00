"""The payments admin: search by tx_ref, booking and customer; read-only rows; refund action."""

import pytest
from django.test import Client

from bookings.models import Booking
from campaigns.models import Campaign
from payments import services
from payments.models import Payment, Refund, WebhookEvent
from tests.factories import SuperAdminFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_for_super_admin():
    client = Client()
    client.force_login(SuperAdminFactory())
    return client


@pytest.fixture
def paid(flw, booking, customer):
    payment = services.payment_initialize(booking_id=booking.pk, customer=customer)
    flw.charge(payment.tx_ref, amount="5000.00")
    services.payment_verify_and_confirm(tx_ref=payment.tx_ref, source="webhook")
    payment.refresh_from_db()
    return payment


@pytest.mark.parametrize(
    "query", [lambda p: p.tx_ref, lambda p: p.booking.reference, lambda p: "customer@example.com"]
)
def test_payments_are_searchable_by_tx_ref_booking_and_customer(
    admin_client_for_super_admin, paid, book, flw, query
):
    other = book(quantity=1)
    services.payment_initialize(booking_id=other.pk, customer=other.customer)

    response = admin_client_for_super_admin.get("/admin/payments/payment/", {"q": query(paid)})

    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
    assert list(response.context["cl"].result_list) == [paid]


def test_payment_rows_are_read_only(admin_client_for_super_admin, paid):
    page = admin_client_for_super_admin.get(f"/admin/payments/payment/{paid.pk}/change/")
    post = admin_client_for_super_admin.post(
        f"/admin/payments/payment/{paid.pk}/change/", {"status": "failed"}
    )

    assert page.status_code == 200
    assert paid.tx_ref.encode() in page.content
    assert post.status_code == 403
    assert Payment.objects.get(pk=paid.pk).status == "successful"


def test_webhook_events_are_searchable_and_kept_raw(admin_client_for_super_admin, flw):
    WebhookEvent.objects.create(
        gateway="flutterwave",
        event="charge.completed",
        dedupe_key="charge.completed:1:successful",
        tx_ref="TK-FIND-ME",
        body='{"event": "charge.completed"}',
    )

    response = admin_client_for_super_admin.get(
        "/admin/payments/webhookevent/", {"q": "TK-FIND-ME"}
    )

    assert response.context["cl"].result_count == 1


def test_the_refund_action_refunds_through_the_gateway(admin_client_for_super_admin, paid, flw):
    response = admin_client_for_super_admin.post(
        "/admin/payments/payment/",
        {"action": "refund_bookings", "_selected_action": [paid.pk]},
    )

    assert response.status_code == 302
    assert Booking.objects.get(pk=paid.booking_id).status == "refunded"
    assert Refund.objects.get().status == "completed"
    assert len(flw.calls("POST", "/refund")) == 1


def test_cancelling_a_campaign_in_the_admin_refunds_its_paid_bookings(
    admin_client_for_super_admin, paid, flw, django_capture_on_commit_callbacks
):
    campaign = paid.booking.campaign

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_for_super_admin.post(
            "/admin/campaigns/campaign/",
            {"action": "cancel", "_selected_action": [campaign.pk], "apply": "1"},
        )

    assert response.status_code == 302
    assert Campaign.objects.get(pk=campaign.pk).status == "cancelled"
    assert Booking.objects.get(pk=paid.booking_id).status == "refunded"
    assert (Refund.objects.get().reason, Refund.objects.get().status) == (
        "campaign_cancelled",
        "completed",
    )
    assert len(flw.calls("POST", "/refund")) == 1
