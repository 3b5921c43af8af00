"""Notices: a cancelled campaign and a completed refund told once, in text and HTML; the
reminder the day before; a seller's message to every confirmed buyer, rate-limited."""

import smtplib
from datetime import timedelta

import pytest
from celery.exceptions import Retry
from django.conf import settings
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone

from accounts.models import AuditEvent
from bookings.models import Booking
from campaigns.models import Campaign
from notices import services as notices
from notices.models import CampaignMessage, SentNotice
from payments import services
from tests.factories import SellerFactory, UserFactory

pytestmark = pytest.mark.django_db


def text(message) -> str:
    """The plain-text body, money's no-break spaces read as spaces."""
    return message.body.replace("\xa0", " ")


def test_cancelling_a_campaign_tells_each_buyer_then_confirms_each_refund(
    flw, pay, book, client_for, django_capture_on_commit_callbacks
):
    first, second = book(), book()
    pay(first)
    pay(second)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(first.campaign.seller).post(
            f"/api/v1/campaigns/{first.campaign_id}/cancel/"
        )

    assert response.status_code == 200
    subjects = [(m.to, m.subject) for m in mail.outbox]
    title = first.campaign.title
    assert subjects == [
        ([first.customer.email], f"{title} is cancelled"),
        ([second.customer.email], f"{title} is cancelled"),
        ([first.customer.email], f"Refund of booking {first.reference} completed"),
        ([second.customer.email], f"Refund of booking {second.reference} completed"),
    ]
    cancelled = mail.outbox[0]
    assert "Refund: under way. Your payment of NGN 5,000.00 is being refunded" in text(cancelled)
    [(html, mime)] = cancelled.alternatives
    assert mime == "text/html"
    assert "<strong>Refund: under way.</strong>" in html
    assert SentNotice.objects.filter(kind="campaign_cancelled").count() == 2

    # A second delivery of either task sends nothing.
    assert notices.campaign_cancelled_notify(booking_id=first.pk) is False
    assert notices.refund_completed_notify(booking_id=first.pk) is False
    assert len(mail.outbox) == 4


def test_a_cancellation_notice_sent_after_the_refund_says_it_is_done(flw, pay, booking):
    pay(booking)
    services.payment_refund(booking_id=booking.pk, actor=None, reason="campaign_cancelled")
    mail.outbox.clear()

    assert notices.campaign_cancelled_notify(booking_id=booking.pk) is True

    [message] = mail.outbox
    assert "Refund: done. Your payment of NGN 5,000.00 was refunded in full" in text(message)


def test_a_mail_failure_sends_nothing_keeps_nothing_and_the_retry_sends_once(
    flw, pay, booking, monkeypatch
):
    pay(booking)
    services.payment_refund(booking_id=booking.pk, actor=booking.campaign.seller)
    mail.outbox.clear()
    real_send = EmailMultiAlternatives.send

    def refused(self, *args, **kwargs):
        raise smtplib.SMTPServerDisconnected("gone")

    monkeypatch.setattr(EmailMultiAlternatives, "send", refused)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        notices.refund_completed_notify(booking_id=booking.pk)
    assert SentNotice.objects.count() == 0

    monkeypatch.setattr(EmailMultiAlternatives, "send", real_send)
    assert notices.refund_completed_notify(booking_id=booking.pk) is True
    assert notices.refund_completed_notify(booking_id=booking.pk) is False
    assert len(mail.outbox) == 1
    assert SentNotice.objects.get().key == f"refund_completed:{booking.pk}"


def test_the_notice_task_retries_when_the_mail_server_is_down(flw, pay, booking, monkeypatch):
    from notices import tasks

    pay(booking)
    services.payment_refund(booking_id=booking.pk, actor=booking.campaign.seller)

    def refused(self, *args, **kwargs):
        raise smtplib.SMTPServerDisconnected("gone")

    monkeypatch.setattr(EmailMultiAlternatives, "send", refused)
    with pytest.raises(Retry) as retry:
        tasks.notify_refund_completed.apply(kwargs={"booking_id": booking.pk})

    assert (retry.value.when, type(retry.value.exc)) == (60, smtplib.SMTPServerDisconnected)
    assert SentNotice.objects.count() == 0


# --- Reminders --------------------------------------------------------------------------


def test_the_reminder_goes_once_to_bookings_of_campaigns_starting_within_a_day(
    flw, pay, book, ticket_type
):
    early, late = book(), book()
    pay(early)
    pay(late)
    starts = timezone.now() + timedelta(hours=20)
    Campaign.objects.filter(pk=ticket_type.campaign_id).update(
        starts_at=starts, ends_at=starts + timedelta(hours=4), timezone="Africa/Lagos"
    )
    Booking.objects.filter(pk=early.pk).update(confirmed_at=timezone.now() - timedelta(days=3))
    mail.outbox.clear()

    assert notices.reminders_send_due() == 1
    assert notices.reminders_send_due() == 0

    [message] = mail.outbox
    assert message.to == [early.customer.email]
    assert message.subject == f"Tomorrow: {early.campaign.title}"
    assert f"{settings.SITE_URL}/tickets/" in message.body
    local = timezone.localtime(starts, timezone.get_fixed_timezone(60))
    assert local.strftime("%H:%M WAT") in message.body
    assert f'href="{settings.SITE_URL}/tickets/"' in message.alternatives[0][0]


def test_no_reminder_for_campaigns_further_off_or_cancelled(flw, pay, booking, ticket_type):
    pay(booking)
    Booking.objects.filter(pk=booking.pk).update(confirmed_at=timezone.now() - timedelta(days=9))
    mail.outbox.clear()

    assert notices.reminders_due() == []  # starts in 7 days
    Campaign.objects.filter(pk=ticket_type.campaign_id).update(
        starts_at=timezone.now() + timedelta(hours=3), status="cancelled"
    )
    assert notices.reminders_due() == []
    assert mail.outbox == []


def test_the_reminders_run_on_the_beat_schedule_and_in_process():
    from celery import current_app

    entry = settings.CELERY_BEAT_SCHEDULE["send-reminders"]
    assert entry == {"task": "notices.tasks.send_due_reminders", "schedule": 900.0}
    assert "notices.tasks.send_due_reminders" in current_app.tasks


# --- Messages from the seller ------------------------------------------------------------


def _messages_url(campaign_id) -> str:
    return f"/api/v1/campaigns/{campaign_id}/messages/"


def test_the_seller_messages_each_confirmed_buyer_once_and_it_is_audited(
    flw, pay, book, client_for, django_capture_on_commit_callbacks
):
    buyer = UserFactory(email="buyer@example.com")
    pay(book(customer=buyer, quantity=1))
    pay(book(customer=buyer, quantity=1))  # two bookings, one message
    pay(book(customer=UserFactory(email="other@example.com"), quantity=1))
    book(customer=UserFactory(email="unpaid@example.com"), quantity=1)
    campaign_id = Booking.objects.first().campaign_id
    seller = Booking.objects.first().campaign.seller
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(seller).post(
            _messages_url(campaign_id),
            {"subject": "Doors at 7", "body": "Gates open at 19:00.\nBring ID."},
            format="json",
        )

    assert response.status_code == 202
    body = response.json()
    assert (body["subject"], body["recipients"]) == ("Doors at 7", 2)
    assert sorted(m.to[0] for m in mail.outbox) == ["buyer@example.com", "other@example.com"]
    assert mail.outbox[0].subject.startswith("Doors at 7 (")
    assert "Gates open at 19:00.\nBring ID." in mail.outbox[0].body
    event = AuditEvent.objects.get(action="campaign.message_sent")
    assert (event.actor, event.metadata["recipients"]) == (seller, 2)
    # The task delivered again sends nothing more.
    assert notices.campaign_message_deliver(message_id=body["id"]) == 0
    assert len(mail.outbox) == 2


def test_messages_are_rate_limited_per_campaign(flw, booking, client_for, settings):
    settings.CAMPAIGN_MESSAGE_RATE = "2/hour"
    seller = client_for(booking.campaign.seller)
    message = {"subject": "Hello", "body": "News."}

    statuses = [
        seller.post(_messages_url(booking.campaign_id), message, format="json").status_code
        for _ in range(3)
    ]

    assert statuses[:2] == [202, 202]
    refused = seller.post(_messages_url(booking.campaign_id), message, format="json")
    assert (refused.status_code, refused.json()["code"]) == (429, "throttled")
    assert int(refused["Retry-After"]) > 0
    assert statuses[2] == 429
    assert CampaignMessage.objects.count() == 2


@pytest.mark.parametrize(
    "body",
    [
        {"subject": "x" * 201, "body": "News."},
        {"subject": "Hi", "body": 5},
        {"subject": "Hi"},
        ["subject"],
    ],
)
def test_malformed_messages_are_refused_and_nothing_is_sent(flw, booking, client_for, body):
    response = client_for(booking.campaign.seller).post(
        _messages_url(booking.campaign_id), body, format="json"
    )

    assert (response.status_code, response.json()["code"]) == (400, "invalid")
    assert CampaignMessage.objects.count() == 0


def test_only_the_campaigns_seller_messages_its_buyers(flw, booking, client_for, api_client):
    message = {"subject": "Hi", "body": "News."}
    url = _messages_url(booking.campaign_id)

    assert client_for(booking.customer).post(url, message, format="json").status_code == 403
    assert client_for(SellerFactory()).post(url, message, format="json").status_code == 403
    assert api_client.post(url, message, format="json").status_code == 401
    assert CampaignMessage.objects.count() == 0


def test_the_dashboard_page_sends_a_message(flw, pay, booking, client):
    pay(booking)
    client.force_login(booking.campaign.seller)
    url = f"/seller/campaigns/{booking.campaign_id}/message/"

    assert client.get(url).status_code == 200
    response = client.post(url, {"subject": "Parking", "body": "Use gate B."}, follow=True)

    assert response.status_code == 200
    assert "Message sent to 1 buyer." in response.content.decode()
    assert CampaignMessage.objects.get().recipients == 1
    other = UserFactory()
    client.force_login(other)
    assert client.get(url).status_code == 403
