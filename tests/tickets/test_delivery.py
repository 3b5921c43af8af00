"""The tickets e-mail: the booking's PDF attached, sent once, re-sent only on purpose."""

import pytest
from django.core import mail
from icalendar import Calendar

from bookings import services
from bookings.models import Booking
from bookings.tasks import deliver_booking_tickets
from bookings.tickets.services import booking_tickets_email

pytestmark = pytest.mark.django_db


def _assert_tickets_mail(message, booking):
    assert message.to == [booking.customer.email]
    assert message.subject == f"Your tickets for Rooftop Jazz Night ({booking.reference})"
    assert f"Your booking {booking.reference} for Rooftop Jazz Night is confirmed." in message.body
    assert "1 ticket is attached as a PDF" in message.body
    ((html, mimetype),) = message.alternatives
    assert mimetype == "text/html"
    assert f"<strong>{booking.reference}</strong>" in html
    (filename, content, attachment_type), calendar = message.attachments
    assert (filename, attachment_type) == (f"tickets-{booking.reference}.pdf", "application/pdf")
    assert content.startswith(b"%PDF-")
    assert (calendar[0], calendar[2]) == (f"{booking.campaign.slug}.ics", "text/calendar")
    (event,) = Calendar.from_ical(calendar[1]).walk("VEVENT")
    assert (str(event["summary"]), event.decoded("dtstart")) == (
        "Rooftop Jazz Night",
        booking.campaign.starts_at,
    )


def test_the_tickets_mail_carries_the_pdf_and_is_sent_once(group_booking):
    assert booking_tickets_email(booking_id=group_booking.pk) is True
    assert booking_tickets_email(booking_id=group_booking.pk) is False

    (message,) = mail.outbox
    _assert_tickets_mail(message, group_booking)
    group_booking.refresh_from_db()
    assert group_booking.tickets_emailed_at is not None
    with group_booking.tickets_pdf.open("rb") as stored:
        assert message.attachments[0][1] == stored.read()


def test_force_sends_again(group_booking):
    booking_tickets_email(booking_id=group_booking.pk)

    assert booking_tickets_email(booking_id=group_booking.pk, force=True) is True

    assert len(mail.outbox) == 2


def test_a_booking_refunded_before_delivery_gets_no_mail(group_booking):
    Booking.objects.filter(pk=group_booking.pk).update(status=Booking.Status.REFUNDED)

    assert booking_tickets_email(booking_id=group_booking.pk, force=True) is False

    assert mail.outbox == []
    group_booking.refresh_from_db()
    assert (group_booking.tickets_emailed_at, group_booking.tickets_pdf.name) == (None, "")


def test_confirmation_queues_the_delivery_after_commit(
    holder, table_type, django_capture_on_commit_callbacks
):
    booking = services.booking_create(
        customer=holder,
        campaign_id=table_type.campaign_id,
        items=[{"ticket_type": table_type.pk, "quantity": 1}],
        issuance="single",
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.confirm_booking(booking_id=booking.pk, source="webhook")
    assert mail.outbox == []

    for callback in callbacks:
        callback()
    (message,) = mail.outbox
    _assert_tickets_mail(message, Booking.objects.get(pk=booking.pk))


def test_a_repeated_confirmation_queues_nothing_more(
    group_booking, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.confirm_booking(booking_id=group_booking.pk, source="reconciliation")

    assert callbacks == []
    assert mail.outbox == []


@pytest.mark.rabbitmq
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_tickets_mail_once(celery_tasks, holder, table_type):
    booking = services.booking_create(
        customer=holder,
        campaign_id=table_type.campaign_id,
        items=[{"ticket_type": table_type.pk, "quantity": 1}],
        issuance="single",
    )

    # Confirmation enqueues the delivery after its commit; the same message then arrives
    # again, as it would after a worker crash with late acks.
    services.confirm_booking(booking_id=booking.pk, source="webhook")
    deliver_booking_tickets.delay(booking.pk)

    # Either run may take the booking's lock first; the other then finds the mail sent.
    results = celery_tasks.wait(deliver_booking_tickets.name, count=2, timeout=60)
    assert sorted(results) == [False, True]
    (message,) = mail.outbox
    booking.refresh_from_db()
    _assert_tickets_mail(message, booking)
    assert booking.tickets_emailed_at is not None
