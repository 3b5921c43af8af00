"""Refunds: by the campaign's seller or a super admin, and for every paid booking of a
cancelled campaign; through the gateway once, then the booking is refunded and its seats freed."""

import pytest

from accounts.models import AuditEvent
from bookings import selectors as booking_selectors
from bookings.models import Booking, Ticket
from campaigns.models import Campaign, TicketType
from payments import services, tasks
from payments.models import Payment, Refund
from tests.factories import ManagerFactory, SellerFactory, SuperAdminFactory, UserFactory

pytestmark = pytest.mark.django_db


def _url(booking) -> str:
    return f"/api/v1/bookings/{booking.pk}/refund/"


def _reserved(ticket_type) -> int:
    return TicketType.objects.get(pk=ticket_type.pk).reserved


def test_the_seller_refunds_a_paid_booking_and_its_seats_return(
    flw, pay, booking, ticket_type, client_for
):
    payment = pay(booking)
    seller = booking.campaign.seller
    assert _reserved(ticket_type) == 2

    response = client_for(seller).post(_url(booking))

    assert response.status_code == 200
    body = response.json()
    assert (body["booking"], body["booking_status"], body["total"], body["currency"]) == (
        booking.pk,
        "refunded",
        "5000.00",
        "NGN",
    )
    assert body["refunded_at"] is not None
    [call] = flw.calls("POST", f"/v3/transactions/{payment.gateway_transaction_id}/refund")
    assert call.headers["Authorization"] == "Bearer FLWSECK_TEST-unit-tests"
    assert call.json() == {"comments": f"Refund of booking payment {payment.tx_ref} (requested)"}
    payment.refresh_from_db()
    assert payment.status == "refunded"
    refund = Refund.objects.get()
    assert (refund.status, refund.amount, refund.requested_by, refund.gateway_refund_id) == (
        "completed",
        payment.amount,
        seller,
        "75923",
    )
    assert _reserved(ticket_type) == 0
    assert list(Ticket.objects.filter(booking=booking).values_list("status", flat=True)) == ["void"]
    event = AuditEvent.objects.get(action="booking.refunded")
    assert (event.actor, event.target_id) == (seller, str(booking.pk))


def test_refunding_again_changes_nothing_and_calls_the_gateway_once(flw, pay, booking, client_for):
    pay(booking)
    client = client_for(booking.campaign.seller)

    first = client.post(_url(booking))
    second = client.post(_url(booking))

    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json()["booking_status"] == "refunded"
    assert len(flw.calls("POST", "/refund")) == 1
    assert Refund.objects.count() == 1
    assert AuditEvent.objects.filter(action="booking.refunded").count() == 1


def test_a_super_admin_may_refund(flw, pay, booking, client_for):
    pay(booking)

    response = client_for(SuperAdminFactory()).post(_url(booking))

    assert response.status_code == 200
    assert Booking.objects.get(pk=booking.pk).status == "refunded"


@pytest.mark.parametrize(
    ("who", "status_code"),
    [
        (lambda booking: booking.customer, 403),
        (lambda booking: UserFactory(), 403),
        (lambda booking: ManagerFactory(), 403),
        (lambda booking: SellerFactory(), 404),
        (lambda booking: None, 401),
    ],
    ids=["own-customer", "other-customer", "manager", "other-seller", "anonymous"],
)
def test_others_cannot_refund_and_nothing_changes(
    flw, pay, booking, ticket_type, client_for, who, status_code
):
    payment = pay(booking)

    response = client_for(who(booking)).post(_url(booking))

    assert response.status_code == status_code
    assert Booking.objects.get(pk=booking.pk).status == "confirmed"
    assert Payment.objects.get(pk=payment.pk).status == "successful"
    assert _reserved(ticket_type) == 2
    assert flw.calls("POST", "/refund") == []
    assert Refund.objects.count() == 0


def test_a_pending_booking_cannot_be_refunded(flw, booking, client_for):
    response = client_for(booking.campaign.seller).post(_url(booking))

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert Booking.objects.get(pk=booking.pk).status == "pending_payment"


def test_an_unknown_booking_is_404(flw, client_for):
    assert (
        client_for(SuperAdminFactory()).post("/api/v1/bookings/999999/refund/").status_code == 404
    )


def test_gateway_down_during_a_refund_keeps_the_booking_and_a_later_retry_succeeds(
    flw, pay, booking, ticket_type, client_for
):
    pay(booking)
    flw.refund_error = "timeout"
    client = client_for(booking.campaign.seller)

    response = client.post(_url(booking))

    assert response.status_code == 503
    assert response.json()["code"] == "gateway_unavailable"
    assert Booking.objects.get(pk=booking.pk).status == "confirmed"
    assert Refund.objects.get().status == "pending"
    assert _reserved(ticket_type) == 2

    flw.refund_error = None
    in_flight = client.post(_url(booking))
    assert in_flight.status_code == 409
    assert in_flight.json()["code"] == "refund_in_progress"

    Refund.objects.update(updated_at=Refund.objects.get().updated_at - services.REFUND_IN_FLIGHT)
    assert client.post(_url(booking)).status_code == 200
    assert Refund.objects.get().status == "completed"
    assert Booking.objects.get(pk=booking.pk).status == "refunded"
    assert _reserved(ticket_type) == 0


def test_a_refund_the_gateway_refuses_is_502_and_changes_nothing_else(
    flw, stub_server, pay, booking, client_for
):
    payment = pay(booking)
    stub_server.route(
        "POST",
        f"/v3/transactions/{payment.gateway_transaction_id}/refund",
        lambda request: (400, {"status": "error", "message": "Insufficient balance"}),
    )

    response = client_for(booking.campaign.seller).post(_url(booking))

    assert response.status_code == 502
    assert response.json()["code"] == "gateway_error"
    assert Booking.objects.get(pk=booking.pk).status == "confirmed"
    assert Payment.objects.get(pk=payment.pk).status == "successful"
    assert Refund.objects.get().status == "failed"


def test_cancelling_a_campaign_refunds_every_paid_booking_once(
    flw, pay, book, ticket_type, django_capture_on_commit_callbacks
):
    paid = [pay(book(quantity=1)), pay(book(quantity=2))]
    held = book(quantity=1)
    Campaign.objects.filter(pk=ticket_type.campaign_id).update(status="cancelled")

    tasks.refund_cancelled_campaign.delay(ticket_type.campaign_id)
    tasks.refund_cancelled_campaign.delay(ticket_type.campaign_id)

    assert sorted(Booking.objects.values_list("status", flat=True)) == [
        "cancelled",
        "refunded",
        "refunded",
    ]
    assert Booking.objects.get(pk=held.pk).status == "cancelled"
    assert sorted(r.path for r in flw.calls("POST", "/refund")) == sorted(
        f"/v3/transactions/{p.gateway_transaction_id}/refund" for p in paid
    )
    assert list(Payment.objects.values_list("status", flat=True)) == ["refunded", "refunded"]
    assert list(Refund.objects.values_list("reason", flat=True)) == ["campaign_cancelled"] * 2
    assert _reserved(ticket_type) == 0


def test_a_refund_that_fails_leaves_its_booking_owed_after_the_others_are_refunded(
    flw, pay, book, ticket_type
):
    failing, refunded = pay(book(quantity=1)), pay(book(quantity=2))
    flw.stub.route(
        "POST",
        f"/v3/transactions/{failing.gateway_transaction_id}/refund",
        lambda request: (500, {"status": "error", "message": "Internal server error"}),
    )
    Campaign.objects.filter(pk=ticket_type.campaign_id).update(status="cancelled")

    with pytest.raises(services.RefundsFailed):
        services.campaign_cancellation_settle(campaign_id=ticket_type.campaign_id)

    assert Booking.objects.get(pk=failing.booking_id).status == "confirmed"
    assert Booking.objects.get(pk=refunded.booking_id).status == "refunded"
    assert booking_selectors.booking_ids_owed_refund(campaign_id=ticket_type.campaign_id) == [
        failing.booking_id
    ]
    assert Payment.objects.get(pk=failing.pk).status == "successful"
    assert _reserved(ticket_type) == 1


def test_the_seller_cancelling_a_campaign_refunds_its_paid_bookings_and_frees_its_holds(
    flw, pay, book, ticket_type, client_for, django_capture_on_commit_callbacks
):
    paid = pay(book(quantity=2))
    held = book(quantity=1)

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(ticket_type.campaign.seller).post(
            f"/api/v1/campaigns/{ticket_type.campaign_id}/cancel/"
        )

    assert (response.status_code, response.json()["status"]) == (200, "cancelled")
    assert Booking.objects.get(pk=paid.booking_id).status == "refunded"
    assert Booking.objects.get(pk=held.pk).status == "cancelled"
    [call] = flw.calls("POST", "/refund")
    assert call.path == f"/v3/transactions/{paid.gateway_transaction_id}/refund"
    assert list(Refund.objects.values_list("reason", flat=True)) == ["campaign_cancelled"]
    assert _reserved(ticket_type) == 0


def test_a_payment_arriving_after_the_campaign_was_cancelled_is_refunded(
    flw, booking, ticket_type, django_capture_on_commit_callbacks
):
    payment = services.payment_initialize(booking_id=booking.pk, customer=booking.customer)
    Campaign.objects.filter(pk=ticket_type.campaign_id).update(status="cancelled")
    flw.charge(payment.tx_ref, amount="5000.00")

    with django_capture_on_commit_callbacks(execute=True):
        result = services.payment_verify_and_confirm(tx_ref=payment.tx_ref, source="webhook")

    assert result.outcome == "refunded"
    assert result.payment.failure_reason == "The campaign was cancelled."
    assert Booking.objects.get(pk=booking.pk).status == "cancelled"
    assert _reserved(ticket_type) == 0
