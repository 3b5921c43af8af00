"""What a ticket shows, on paper and on screen: its fields and its QR code as SVG."""

from dataclasses import dataclass
from datetime import datetime

import segno

from bookings.models import Booking, Ticket
from campaigns.attributes import attribute_rows
from core.local_time import format_local

QR_ERROR_LEVEL = "m"
QR_SCALE = 4
QR_BORDER = 2


def qr_svg_data_uri(token: str) -> str:
    """For an `<img src>`: what WeasyPrint embeds in the PDF."""
    return segno.make(token, error=QR_ERROR_LEVEL).svg_data_uri(scale=QR_SCALE, border=QR_BORDER)


def qr_svg_inline(token: str) -> str:
    """An `<svg>` element to place in a page as it is (no request per code)."""
    return segno.make(token, error=QR_ERROR_LEVEL).svg_inline(scale=QR_SCALE, border=QR_BORDER)


@dataclass(frozen=True)
class TicketDisplay:
    ticket_id: int
    campaign_title: str
    venue: str
    starts_at: datetime
    ends_at: datetime
    timezone_name: str
    ticket_type: str
    attributes: list[tuple[str, str]]
    holder_name: str
    admits: int
    entries_allowed: int
    booking_reference: str
    is_void: bool
    token: str

    @property
    def when(self) -> str:
        """ "Sat 12 Dec 2026, 19:30 – 23:30 WAT": the venue's clock, as on its poster."""
        zone = self.timezone_name
        starts = format_local(self.starts_at, zone, "D j M Y, H:i")
        if format_local(self.starts_at, zone, "Ymd") == format_local(self.ends_at, zone, "Ymd"):
            return f"{starts} – {format_local(self.ends_at, zone, 'H:i T')}"
        return f"{starts} – {format_local(self.ends_at, zone)}"


def ticket_display(ticket: Ticket) -> TicketDisplay:
    """Expects `ticket.booking.campaign`, `ticket.booking.customer` and `ticket.ticket_type`
    loaded. Times are shown in the campaign's own timezone, as printed on a venue's poster."""
    booking = ticket.booking
    campaign = booking.campaign
    venue = ", ".join(
        part for part in (campaign.venue_name, campaign.venue_address, campaign.city) if part
    )
    return TicketDisplay(
        ticket_id=ticket.pk,
        campaign_title=campaign.title,
        venue=venue,
        starts_at=campaign.starts_at,
        ends_at=campaign.ends_at,
        timezone_name=campaign.timezone,
        ticket_type=ticket.ticket_type.name,
        attributes=attribute_rows(
            ticket.ticket_type.attributes, ticket.ticket_type.attribute_labels
        ),
        holder_name=ticket.holder_name or booking.customer.name,
        admits=ticket.admits,
        entries_allowed=ticket.scans_allowed,
        booking_reference=booking.reference,
        is_void=ticket.status == Ticket.Status.VOID or booking.status != Booking.Status.CONFIRMED,
        token=ticket.qr_token,
    )
