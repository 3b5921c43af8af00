"""Confirmation after the redirect (mobile API and our landing page), reconciliation, and
payments that arrive after the hold ended."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from bookings import services as booking_services
from bookings.models import Booking, Ticket
from campaigns.models import TicketType
from payments import services
from payments.models import Payment, Refund
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def payment(flw, booking, customer):
    return services.payment_initialize(booking_id=booking.pk, customer=customer)


def _confirm_url(booking) -> str:
    return f"/api/v1/bookings/{booking.pk}/confirm/"


def _state(booking, payment):
    booking.refresh_from_db()
    payment.refresh_from_db()
    return booking.status, payment.status, Ticket.objects.filter(booking=booking).count()


def _reserved(ticket_type) -> int:
    return TicketType.objects.get(pk=ticket_type.pk).reserved


# --- POST bookings/{id}/confirm/ ------------------------------------------------------------


def test_confirm_verifies_with_the_gateway_and_confirms_once(
    flw, payment, booking, customer, client_for
):
    data = flw.charge(payment.tx_ref, amount="5000.00", id=9200001)
    client = client_for(customer)
    body = {"tx_ref": payment.tx_ref, "transaction_id": "9200001", "status": "successful"}

    first = client.post(_confirm_url(booking), body, format="json")
    second = client.post(_confirm_url(booking), body, format="json")

    assert first.status_code == 200
    assert first.json() == {
        "booking": booking.pk,
        "booking_status": "confirmed",
        "tx_ref": payment.tx_ref,
        "payment_status": "successful",
        "result": "confirmed",
    }
    assert second.json()["result"] == "settled"
    assert _state(booking, payment) == ("confirmed", "successful", 1)
    assert booking.confirmed_via == "redirect"
    assert booking.confirmed_by == customer
    assert payment.verification["id"] == data["id"]
    assert [r.path for r in flw.calls("GET")] == ["/v3/transactions/9200001/verify"]


def test_confirm_without_transaction_id_verifies_by_reference(
    flw, payment, booking, customer, client_for
):
    flw.charge(payment.tx_ref, amount="5000.00")

    response = client_for(customer).post(
        _confirm_url(booking), {"tx_ref": payment.tx_ref}, format="json"
    )

    assert response.json()["result"] == "confirmed"
    [call] = flw.calls("GET")
    assert (call.path, call.query) == (
        "/v3/transactions/verify_by_reference",
        {"tx_ref": payment.tx_ref},
    )


def test_a_claimed_success_the_gateway_does_not_know_changes_nothing(
    flw, payment, booking, customer, client_for
):
    response = client_for(customer).post(
        _confirm_url(booking),
        {"tx_ref": payment.tx_ref, "status": "successful"},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["result"] == "not_paid"
    assert _state(booking, payment) == ("pending_payment", "pending", 0)


def test_confirming_someone_elses_booking_is_404_and_changes_nothing(
    flw, payment, booking, client_for
):
    flw.charge(payment.tx_ref, amount="5000.00")

    response = client_for(UserFactory()).post(
        _confirm_url(booking), {"tx_ref": payment.tx_ref}, format="json"
    )

    assert response.status_code == 404
    assert _state(booking, payment) == ("pending_payment", "pending", 0)
    assert flw.calls("GET") == []


def test_a_tx_ref_of_another_booking_is_404(flw, payment, booking, book, customer, client_for):
    mine = book(customer=customer, quantity=1)

    response = client_for(customer).post(
        _confirm_url(mine), {"tx_ref": payment.tx_ref}, format="json"
    )

    assert response.status_code == 404
    assert _state(booking, payment) == ("pending_payment", "pending", 0)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"tx_ref": ""},
        {"tx_ref": "x" * 65},
        {"tx_ref": "TK-1", "transaction_id": "../../v3/transfers"},
        {"tx_ref": "TK-1", "transaction_id": "1" * 65},
        {"tx_ref": ["TK-1"]},
    ],
)
def test_malformed_confirm_bodies_are_400(flw, payment, booking, customer, client_for, body):
    response = client_for(customer).post(_confirm_url(booking), body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert _state(booking, payment) == ("pending_payment", "pending", 0)
    assert flw.calls("GET") == []


def test_confirm_needs_a_signed_in_user(flw, payment, booking, client_for):
    response = client_for(None).post(
        _confirm_url(booking), {"tx_ref": payment.tx_ref}, format="json"
    )

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


# --- Our landing page after the checkout -----------------------------------------------------


def test_the_return_page_verifies_and_shows_the_confirmed_booking(flw, payment, booking, customer):
    flw.charge(payment.tx_ref, amount="5000.00", id=9200002)
    client = Client()
    client.force_login(customer)

    response = client.get(
        "/payments/return/",
        {"status": "successful", "tx_ref": payment.tx_ref, "transaction_id": "9200002"},
    )

    assert response.status_code == 200
    assert b"your booking is confirmed" in response.content
    assert f'href="/bookings/{booking.pk}/"'.encode() in response.content
    assert _state(booking, payment) == ("confirmed", "successful", 1)


def test_the_return_page_of_someone_elses_payment_is_404(flw, payment, booking):
    flw.charge(payment.tx_ref, amount="5000.00")
    client = Client()
    client.force_login(UserFactory())

    response = client.get("/payments/return/", {"tx_ref": payment.tx_ref})

    assert response.status_code == 404
    assert _state(booking, payment) == ("pending_payment", "pending", 0)


def test_the_pay_button_opens_the_checkout_and_redirects_there(flw, booking, customer):
    client = Client()
    client.force_login(customer)

    page = client.get(f"/bookings/{booking.pk}/")
    response = client.post(f"/payments/pay/{booking.pk}/")

    assert f'action="/payments/pay/{booking.pk}/"'.encode() in page.content
    payment = Payment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == payment.checkout_link


# --- Gateway trouble and reconciliation -----------------------------------------------------


@pytest.mark.parametrize("error", [500, "timeout"])
def test_gateway_failing_during_verification_leaves_pending_and_reconciliation_confirms(
    flw, payment, booking, customer, client_for, error
):
    flw.charge(payment.tx_ref, amount="5000.00", id=9200003)
    flw.verify_error = error

    response = client_for(customer).post(
        _confirm_url(booking),
        {"tx_ref": payment.tx_ref, "transaction_id": "9200003"},
        format="json",
    )

    assert response.json()["result"] == "gateway_unavailable"
    assert _state(booking, payment) == ("pending_payment", "pending", 0)
    assert services.reconcile_pending_payments()["confirmed"] == 0  # too recent to bother

    flw.verify_error = None
    later = timezone.now() + services.RECONCILE_AFTER + timedelta(seconds=1)
    counts = services.reconcile_pending_payments(now=later)

    assert counts["confirmed"] == 1
    assert _state(booking, payment) == ("confirmed", "successful", 1)
    assert booking.confirmed_via == "reconciliation"
    assert services.reconcile_pending_payments(now=later)["confirmed"] == 0


def test_reconciliation_gives_up_checkouts_nobody_paid(flw, payment, booking):
    later = timezone.now() + services.ABANDON_AFTER + timedelta(seconds=1)

    counts = services.reconcile_pending_payments(now=later)

    assert counts["abandoned"] == 1
    assert _state(booking, payment)[:2] == ("pending_payment", "failed")
    assert payment.failure_reason == "abandoned"


# --- Payments after the hold ended (rule 3) --------------------------------------------------


def _expire(booking):
    Booking.objects.filter(pk=booking.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    booking_services.expire_all_overdue_holds()


def test_a_late_payment_takes_the_seats_when_they_are_still_free(
    flw, payment, booking, customer, client_for, ticket_type
):
    _expire(booking)
    assert _reserved(ticket_type) == 0
    flw.charge(payment.tx_ref, amount="5000.00")

    response = client_for(customer).post(
        _confirm_url(booking), {"tx_ref": payment.tx_ref}, format="json"
    )

    assert response.json()["result"] == "confirmed"
    assert _state(booking, payment) == ("confirmed", "successful", 1)
    assert _reserved(ticket_type) == 2
    assert flw.calls("POST", "/refund") == []


def test_a_late_payment_without_free_seats_is_refunded_and_the_customer_told(
    flw,
    payment,
    booking,
    book,
    customer,
    client_for,
    ticket_type,
    django_capture_on_commit_callbacks,
):
    _expire(booking)
    book(quantity=4)  # 4 of the 5 seats are gone; the late booking needs 2
    flw.charge(payment.tx_ref, amount="5000.00", id=9200004)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(customer).post(
            _confirm_url(booking), {"tx_ref": payment.tx_ref}, format="json"
        )

    assert response.json()["result"] == "refunded"
    assert _state(booking, payment) == ("expired", "refunded", 0)
    assert payment.failure_reason == "The seats were no longer available when the payment arrived."
    [refund_call] = flw.calls("POST", "/v3/transactions/9200004/refund")
    assert refund_call.headers["Authorization"] == "Bearer FLWSECK_TEST-unit-tests"
    refund = Refund.objects.get()
    assert (refund.status, refund.amount, refund.gateway_refund_id, refund.reason) == (
        "completed",
        payment.amount,
        "75923",
        "automatic",
    )
    [email] = mail.outbox
    assert email.to == ["customer@example.com"]
    assert email.subject == "Your payment for Afrobeats Live was refunded"
    assert "refunded your payment of NGN\xa05,000.00 (reference" in email.body
    assert _reserved(ticket_type) == 4

    again = client_for(customer).post(
        _confirm_url(booking), {"tx_ref": payment.tx_ref}, format="json"
    )
    assert again.json()["result"] == "settled"
    assert len(flw.calls("POST", "/refund")) == 1
    assert len(mail.outbox) == 1


def test_a_refund_the_gateway_cannot_take_now_is_sent_by_reconciliation(
    flw, payment, booking, book, ticket_type, django_capture_on_commit_callbacks
):
    _expire(booking)
    book(quantity=4)
    flw.charge(payment.tx_ref, amount="5000.00")
    flw.refund_error = 500

    result = services.payment_verify_and_confirm(tx_ref=payment.tx_ref, source="webhook")

    assert result.outcome == "refund_due"
    assert _state(booking, payment)[:2] == ("expired", "refund_due")
    assert Refund.objects.get().status == "pending"
    assert mail.outbox == []

    flw.refund_error = None
    # Minutes later: the unanswered refund is no longer in flight, the payment is due.
    Refund.objects.update(updated_at=timezone.now() - services.REFUND_IN_FLIGHT)
    later = timezone.now() + services.RECONCILE_AFTER
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reconcile_pending_payments(now=later)["refunded"] == 1
    assert _state(booking, payment)[:2] == ("expired", "refunded")
    assert Refund.objects.get().status == "completed"
    assert len(flw.calls("POST", "/refund")) == 2
    assert [m.to for m in mail.outbox] == [["customer@example.com"]]
