"""The webhook's processing travels through RabbitMQ to a real Celery worker, once."""

import pytest
from rest_framework.test import APIClient

from bookings.models import Booking, Ticket
from bookings.tasks import deliver_booking_tickets
from payments import services
from payments.models import Payment, WebhookEvent
from payments.tasks import process_webhook_event
from tests.payments.conftest import post_webhook, webhook_body

pytestmark = [pytest.mark.rabbitmq, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_webhook_is_processed_by_a_real_worker_and_a_redelivery_changes_nothing(
    flw, booking, celery_tasks
):
    payment = services.payment_initialize(booking_id=booking.pk, customer=booking.customer)
    body = webhook_body(flw.charge(payment.tx_ref, amount="5000.00"))

    response = post_webhook(APIClient(), body)
    assert response.json() == {"status": "received"}
    event = WebhookEvent.objects.get()
    # As after a worker crash with late acks: the same message arrives again.
    assert celery_tasks.wait(process_webhook_event.name, count=1) == ["confirmed"]
    process_webhook_event.delay(event.pk)

    assert celery_tasks.wait(process_webhook_event.name, count=2) == ["confirmed", "confirmed"]
    assert Booking.objects.get(pk=booking.pk).status == "confirmed"
    assert Booking.objects.get(pk=booking.pk).confirmed_via == "webhook"
    assert Payment.objects.get(pk=payment.pk).status == "successful"
    assert Ticket.objects.filter(booking=booking).count() == 1
    assert len(flw.calls("GET")) == 1
    # The confirmation's tickets e-mail (PDFs and receipt) too, once: and the worker is idle
    # before the test's tables are emptied.
    assert celery_tasks.wait(deliver_booking_tickets.name, count=1) == [True]
