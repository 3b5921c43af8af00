"""Ops commands: rotate a campaign's QR key, re-send a booking's tickets, rebuild PDFs."""

import io

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from accounts.models import AuditEvent
from bookings.models import Booking
from campaigns.models import CampaignKey

pytestmark = pytest.mark.django_db


def _run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_rotate_qr_key_by_slug_reissues_and_audits(group_booking, campaign):
    ticket = group_booking.tickets.get()
    old_token = ticket.qr_token

    output = _run("rotate_qr_key", campaign.slug)

    assert output == "Rooftop Jazz Night: QR key version 2; 1 ticket(s) re-issued.\n"
    ticket.refresh_from_db()
    assert (ticket.qr_key_version, ticket.qr_token != old_token) == (2, True)
    assert _run("rotate_qr_key", str(campaign.pk)).startswith(
        "Rooftop Jazz Night: QR key version 3;"
    )
    assert AuditEvent.objects.filter(action="campaign.key_rotated").count() == 2


def test_rotate_qr_key_of_an_unknown_campaign_changes_nothing(group_booking):
    keys = list(CampaignKey.objects.values_list("pk", "version"))

    with pytest.raises(CommandError, match="No campaign with id or slug 'nope'"):
        call_command("rotate_qr_key", "nope")

    assert list(CampaignKey.objects.values_list("pk", "version")) == keys
    assert not AuditEvent.objects.filter(action="campaign.key_rotated").exists()


def test_resend_tickets_sends_again_past_the_once_only_mark(group_booking):
    call_command("resend_tickets", group_booking.reference.lower(), stdout=io.StringIO())
    output = _run("resend_tickets", str(group_booking.pk))

    assert output == f"Tickets of {group_booking.reference} sent to holder@example.com.\n"
    assert [m.to for m in mail.outbox] == [["holder@example.com"], ["holder@example.com"]]
    assert all(m.attachments[0][2] == "application/pdf" for m in mail.outbox)


def test_resend_tickets_refuses_a_booking_without_tickets(group_booking):
    Booking.objects.filter(pk=group_booking.pk).update(status=Booking.Status.REFUNDED)

    with pytest.raises(CommandError, match=f"Booking {group_booking.reference} is refunded"):
        call_command("resend_tickets", str(group_booking.pk))
    with pytest.raises(CommandError, match="No booking with id or reference 'NOSUCH01'"):
        call_command("resend_tickets", "NOSUCH01")

    assert mail.outbox == []
    group_booking.refresh_from_db()
    assert group_booking.tickets_emailed_at is None


def test_generate_tickets_rebuilds_every_confirmed_booking_with_a_progress_bar(
    confirm, holder, customer, table_type, campaign
):
    first = confirm(holder, table_type, quantity=1)
    second = confirm(customer, table_type, quantity=2, issuance="separate")
    refunded = confirm(customer, table_type, quantity=1)
    Booking.objects.filter(pk=refunded.pk).update(status=Booking.Status.REFUNDED)

    output = _run("generate_tickets", campaign.slug)

    assert output == (
        f"\r[{' ' * 30}] 0/2"
        f"\r[{'#' * 15}{' ' * 15}] 1/2"
        f"\r[{'#' * 30}] 2/2\n"
        "Rooftop Jazz Night: 2 booking PDF(s) built.\n"
    )
    names = [Booking.objects.get(pk=booking.pk).tickets_pdf.name for booking in (first, second)]
    assert all(name.startswith("tickets/") for name in names)
    assert Booking.objects.get(pk=refunded.pk).tickets_pdf.name == ""
    _run("generate_tickets", str(campaign.pk))
    rebuilt = [Booking.objects.get(pk=b.pk).tickets_pdf.name for b in (first, second)]
    assert set(rebuilt).isdisjoint(names)
