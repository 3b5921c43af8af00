"""A published campaign's new time or place is told to everyone holding a ticket, once per
move, after the seller had a few minutes to correct a slip."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone
from icalendar import Calendar

from bookings.models import Ticket
from bookings.tickets import holders
from campaigns.models import Campaign
from notices import services as notices
from payments import services

pytestmark = pytest.mark.django_db


def _move(client_for, campaign, **changes):
    response = client_for(campaign.seller).patch(
        f"/api/v1/campaigns/{campaign.pk}/", changes, format="json"
    )
    assert response.status_code == 200, response.json()
    campaign.refresh_from_db()
    return campaign


def _settled(campaign) -> None:
    """As if the move was made MOVE_SETTLE ago."""
    Campaign.objects.filter(pk=campaign.pk).update(moved_at=campaign.moved_at - notices.MOVE_SETTLE)


def test_each_ticket_holder_is_told_the_new_time_once_with_the_calendar_file(
    flw, pay, book, client_for, ticket_type, super_admin
):
    kept, given_away = book(quantity=1), book(quantity=1, issuance="separate")
    refunded, unpaid = book(quantity=1), book(quantity=1)
    for booking in (kept, given_away, refunded):
        pay(booking)
    for ticket in Ticket.objects.filter(booking=given_away):
        holders.ticket_transfer(
            ticket_id=ticket.pk, user=given_away.customer, email="femi@example.com", name="Femi"
        )
    services.payment_refund(booking_id=refunded.pk, actor=super_admin)
    campaign = ticket_type.campaign
    new_start = (campaign.starts_at + timedelta(days=1)).replace(microsecond=0)
    mail.outbox.clear()

    campaign = _move(
        client_for,
        campaign,
        starts_at=new_start.isoformat(),
        ends_at=(new_start + timedelta(hours=5)).isoformat(),
    )

    assert notices.campaign_moves_due() == []  # still settling: the seller may correct it
    _settled(campaign)
    assert notices.campaign_moves_send_due() == 1

    assert sorted(m.to[0] for m in mail.outbox) == sorted([kept.customer.email, "femi@example.com"])
    message = mail.outbox[0]
    assert message.subject == f"New time or place: {campaign.title}"
    assert "has changed. It is now:" in message.body
    assert f"{settings.SITE_URL}/tickets/" in message.body
    (name, content, kind) = message.attachments[0]
    assert (name, kind) == (f"{campaign.slug}.ics", "text/calendar")
    (event,) = Calendar.from_ical(content).walk("VEVENT")
    assert event.decoded("dtstart") == new_start
    # Told once: the beat finds nothing due, a repeated task sends nothing.
    assert notices.campaign_moves_due() == []
    assert notices.campaign_moved_notify(campaign_id=campaign.pk) == 0
    assert len(mail.outbox) == 2
    assert unpaid.status == "pending_payment"


def test_a_second_move_is_told_again(flw, pay, book, client_for, ticket_type):
    pay(book())
    mail.outbox.clear()
    campaign = _move(client_for, ticket_type.campaign, city="Abuja")
    _settled(campaign)
    notices.campaign_moves_send_due()

    campaign = _move(client_for, campaign, venue_name="Eagle Square")
    _settled(campaign)

    assert notices.campaign_moves_send_due() == 1
    assert len(mail.outbox) == 2  # one notice per move
    assert "Where: Eagle Square, 1 Marina Road, Abuja" in mail.outbox[-1].body


def test_changes_that_move_nothing_or_a_draft_are_not_announced(
    flw, pay, book, client_for, ticket_type
):
    pay(book())
    campaign = ticket_type.campaign

    _move(client_for, campaign, description="Now with a support act.", city=campaign.city)
    assert campaign.moved_at is None
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.DRAFT)
    campaign = _move(client_for, campaign, city="Ibadan")
    assert campaign.moved_at is None
    assert notices.campaign_moves_due(now=timezone.now() + notices.MOVE_SETTLE) == []


def test_the_move_notices_run_on_the_beat_schedule():
    from celery import current_app

    entry = settings.CELERY_BEAT_SCHEDULE["announce-moves"]
    assert entry == {"task": "notices.tasks.send_due_move_notices", "schedule": 60.0}
    assert "notices.tasks.send_due_move_notices" in current_app.tasks


def test_a_ticket_voided_is_not_a_holder(flw, pay, book, client_for, ticket_type):
    booking = book()
    pay(booking)
    Ticket.objects.filter(booking=booking).update(status=Ticket.Status.VOID)
    campaign = _move(client_for, ticket_type.campaign, city="Abuja")
    _settled(campaign)
    mail.outbox.clear()

    notices.campaign_moves_send_due()

    assert mail.outbox == []


def test_a_reminder_sent_before_a_move_is_sent_again_for_the_new_time(
    flw, pay, book, client_for, ticket_type
):
    from bookings.models import Booking

    booking = book()
    pay(booking)
    Booking.objects.filter(pk=booking.pk).update(confirmed_at=timezone.now() - timedelta(days=3))
    campaign = ticket_type.campaign
    soon = (timezone.now() + timedelta(hours=20)).replace(microsecond=0)
    Campaign.objects.filter(pk=campaign.pk).update(
        starts_at=soon, ends_at=soon + timedelta(hours=4)
    )
    assert notices.reminders_send_due() == 1
    assert notices.reminders_send_due() == 0  # reminded: not again while nothing moves

    later = soon + timedelta(hours=2)
    _move(client_for, campaign, starts_at=later.isoformat())

    assert notices.reminders_due() == [booking.pk]
    assert notices.reminders_send_due() == 1
    assert notices.reminders_send_due() == 0
    reminders = [m for m in mail.outbox if m.subject.startswith("Tomorrow")]
    assert len(reminders) == 2
