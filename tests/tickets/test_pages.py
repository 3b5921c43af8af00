"""The "my tickets" page: upcoming tickets with their QR in the page, refunded ones void."""

from datetime import timedelta

import pytest
import segno
from django.utils import timezone

from bookings.models import Booking, Ticket
from tests.factories import CampaignFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db


def test_upcoming_tickets_show_their_qr_and_download_links(client, confirm, holder, table_type):
    booking = confirm(holder, table_type, quantity=3, issuance="single")
    ticket = booking.tickets.get()
    client.force_login(holder)

    response = client.get("/tickets/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<a href="/tickets/" aria-current="page">My tickets</a>' in html
    assert "Rooftop Jazz Night" in html
    assert "Sat 1 Jun 2030, 19:30 – Sun 2 Jun 2030, 00:30 WAT" in html
    assert "<strong>VIP Table</strong> · admits 3" in html
    qr = segno.make(ticket.qr_token, error="m").svg_inline(scale=4, border=2)
    assert html.count('class="segno"') == 1
    assert qr in html
    assert f'href="/api/v1/tickets/{ticket.pk}/pdf/"' in html
    assert f'href="/api/v1/bookings/{booking.pk}/pdf/"' in html
    assert "Void" not in html


def test_a_refunded_booking_shows_void_tickets_without_codes(client, confirm, holder, table_type):
    booking = confirm(holder, table_type, quantity=1)
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.REFUNDED)
    booking.tickets.update(status=Ticket.Status.VOID)
    client.force_login(holder)

    html = client.get("/tickets/").content.decode()

    assert f'id="ticket-{booking.tickets.get().pk}"' in html
    assert '<span class="badge badge--danger">Void</span>' in html
    assert 'class="segno"' not in html
    assert "/pdf/" not in html


def test_past_events_and_other_customers_tickets_are_not_listed(
    client, confirm, holder, customer, table_type
):
    confirm(customer, table_type, quantity=1)
    past = CampaignFactory(title="Last Year's Gala")
    past_type = TicketTypeFactory(campaign=past)
    confirm(holder, past_type, quantity=1)
    now = timezone.now()
    past.__class__.objects.filter(pk=past.pk).update(
        starts_at=now - timedelta(days=2), ends_at=now - timedelta(days=1)
    )
    client.force_login(holder)

    html = client.get("/tickets/").content.decode()

    assert "Last Year" not in html
    assert "Rooftop Jazz Night" not in html
    assert "No upcoming tickets yet." in html
    assert 'href="/">Find something to go to</a>' in html


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/tickets/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
