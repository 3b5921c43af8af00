"""The customer's "my tickets" page: upcoming tickets with their QR codes in the page."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.safestring import mark_safe

from bookings.tickets import services as tickets
from bookings.tickets.display import qr_svg_inline, ticket_display


@login_required
def my_tickets(request):
    cards = []
    for ticket in tickets.tickets_upcoming_for_customer(customer=request.user):
        display = ticket_display(ticket)
        cards.append(
            {
                "ticket": display,
                "booking_id": ticket.booking_id,
                # segno's own markup around our base64url token: nothing to escape.
                "qr": "" if display.is_void else mark_safe(qr_svg_inline(display.token)),  # noqa: S308
            }
        )
    return render(request, "bookings/my_tickets.html", {"cards": cards})
