"""PDF tickets: one A6 page per ticket. The only module that imports WeasyPrint.

WeasyPrint is imported inside `render_tickets`: loading it costs about 0.6 s, which web
processes that never render a PDF should not pay at start-up.
"""

from django.conf import settings
from django.template.loader import render_to_string

from bookings.models import Ticket
from bookings.tickets.display import qr_svg_data_uri, ticket_display


def render_tickets(tickets: list[Ticket]) -> bytes:
    """One PDF holding a page per ticket; the tickets need their booking, campaign,
    customer and ticket type loaded (see `bookings.tickets.services.tickets_for_pdf`)."""
    from weasyprint import HTML

    pages = []
    for ticket in tickets:
        display = ticket_display(ticket)
        pages.append(
            {
                "ticket": display,
                "qr": "" if display.is_void else qr_svg_data_uri(display.token),
            }
        )
    html = render_to_string("bookings/ticket_pdf.html", {"pages": pages})
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
