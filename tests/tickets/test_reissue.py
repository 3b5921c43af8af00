"""A QR key rotation e-mails the new tickets to everyone who had the old ones by e-mail."""

import pytest
from django.core import mail

from bookings.models import Booking, Ticket
from bookings.tickets import holders
from bookings.tickets.reissue import campaign_qr_key_rotate, campaign_tickets_resend_reissued
from bookings.tickets.services import booking_tickets_email
from tests.tickets.conftest import qr_codes

pytestmark = pytest.mark.django_db


def _attachment(message) -> bytes:
    return message.attachments[0][1]


def test_the_buyer_gets_the_new_codes_once_and_told_the_old_ones_no_longer_scan(
    group_booking, campaign, tmp_path
):
    booking_tickets_email(booking_id=group_booking.pk)
    ticket = group_booking.tickets.get()
    old_token = ticket.qr_token
    mail.outbox.clear()

    campaign_qr_key_rotate(campaign_id=campaign.pk)

    (message,) = mail.outbox
    ticket.refresh_from_db()
    assert message.to == ["holder@example.com"]
    assert message.subject == (
        f"New tickets for Rooftop Jazz Night ({group_booking.reference}): "
        "the earlier codes no longer scan"
    )
    assert "the codes in earlier e-mails and PDFs no longer scan" in message.body
    assert "is confirmed" not in message.body
    assert qr_codes(_attachment(message), tmp_path) == [ticket.qr_token]
    assert ticket.qr_token != old_token
    # Run again (a retried task): sent already, nothing more.
    assert campaign_tickets_resend_reissued(campaign_id=campaign.pk) == 0
    assert len(mail.outbox) == 1


def test_the_owner_of_a_transferred_ticket_gets_its_new_code(
    confirm, holder, table_type, campaign, tmp_path
):
    booking = confirm(holder, table_type, quantity=1, issuance="separate")
    booking_tickets_email(booking_id=booking.pk)
    given = holders.ticket_transfer(
        ticket_id=booking.tickets.get().pk, user=holder, email="femi@example.com", name="Femi"
    )
    holders.ticket_transfer_email(ticket_id=given.pk)
    mail.outbox.clear()

    campaign_qr_key_rotate(campaign_id=campaign.pk)

    # Only the owner: the buyer gave the one ticket away and has no new code to get.
    (to_owner,) = mail.outbox
    assert to_owner.to == ["femi@example.com"]
    assert to_owner.subject == (
        "Your new ticket for Rooftop Jazz Night: the earlier code no longer scans"
    )
    assert "the code in the earlier e-mail and PDF no longer scans" in to_owner.body
    given.refresh_from_db()
    assert qr_codes(_attachment(to_owner), tmp_path) == [given.qr_token]
    assert given.qr_key_version == 2


def test_bookings_never_e_mailed_or_no_longer_confirmed_get_nothing(
    confirm, holder, table_type, campaign
):
    never_sent = confirm(holder, table_type, quantity=1)
    refunded = confirm(holder, table_type, quantity=1)
    booking_tickets_email(booking_id=refunded.pk)
    Booking.objects.filter(pk=refunded.pk).update(status=Booking.Status.REFUNDED)
    Ticket.objects.filter(booking=refunded).update(status=Ticket.Status.VOID)
    mail.outbox.clear()

    campaign_qr_key_rotate(campaign_id=campaign.pk)

    assert mail.outbox == []
    # The first e-mail of the one never sent carries the new codes.
    assert booking_tickets_email(booking_id=never_sent.pk) is True
    assert "is confirmed" in mail.outbox[0].body
