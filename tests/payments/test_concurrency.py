"""Real parallel deliveries against PostgreSQL: each thread has its own connection and commits.

Without the payment row lock in `_settle` the racing verifications below would each call
`confirm_booking`; without the unique dedupe key the racing webhooks would each be stored.
"""

import pytest
from rest_framework.test import APIClient

from bookings.models import Booking, Ticket
from campaigns.models import TicketType
from payments import services
from payments.models import Payment, WebhookEvent
from tests.concurrency import run_in_parallel
from tests.payments.conftest import post_webhook, webhook_body

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_the_same_webhook_delivered_many_times_at_once_confirms_once(flw, booking, ticket_type):
    payment = services.payment_initialize(booking_id=booking.pk, customer=booking.customer)
    body = webhook_body(flw.charge(payment.tx_ref, amount="5000.00"))

    responses = run_in_parallel([lambda: post_webhook(APIClient(), body) for _ in range(12)])

    assert [r.status_code for r in responses] == [200] * 12
    assert sorted(r.json()["status"] for r in responses) == ["duplicate"] * 11 + ["received"]
    event = WebhookEvent.objects.get()
    assert (event.deliveries, event.result) == (12, "confirmed")
    assert Booking.objects.get(pk=booking.pk).status == "confirmed"
    assert Payment.objects.get(pk=payment.pk).status == "successful"
    assert Ticket.objects.filter(booking=booking).count() == 1
    assert TicketType.objects.get(pk=ticket_type.pk).reserved == 2
    assert len(flw.calls("GET")) == 1


def test_webhook_redirect_and_reconciliation_racing_confirm_once(flw, booking, ticket_type):
    payment = services.payment_initialize(booking_id=booking.pk, customer=booking.customer)
    transaction_id = str(flw.charge(payment.tx_ref, amount="5000.00")["id"])
    sources = ["webhook", "redirect", "reconciliation"] * 4

    results = run_in_parallel(
        [
            lambda source=source: services.payment_verify_and_confirm(
                tx_ref=payment.tx_ref, transaction_id=transaction_id, source=source
            )
            for source in sources
        ]
    )

    outcomes = sorted(str(result.outcome) for result in results)
    assert outcomes == ["confirmed"] + ["settled"] * 11, results
    booking.refresh_from_db()
    assert booking.status == "confirmed"
    assert Payment.objects.get(pk=payment.pk).confirmed_via == booking.confirmed_via
    assert Ticket.objects.filter(booking=booking).count() == 1
    assert TicketType.objects.get(pk=ticket_type.pk).reserved == 2


def test_racing_checkouts_open_one_payment(flw, booking):
    payments = run_in_parallel(
        [
            lambda: services.payment_initialize(booking_id=booking.pk, customer=booking.customer)
            for _ in range(8)
        ]
    )

    assert len({p.tx_ref for p in payments}) == 1, payments
    assert len({p.checkout_link for p in payments}) == 1
    assert Payment.objects.count() == 1
