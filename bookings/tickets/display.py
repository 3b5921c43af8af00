"""What a ticket shows, on paper and on screen: its fields and its QR code as SVG."""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import segno
from django.utils import dateformat, timezone

from bookings.models import Booking, Ticket
from campaigns.attributes import attribute_rows

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
    starts_local: datetime
    ends_local: datetime
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
        """Formatted here: template date filters would convert to the site's timezone."""
        starts = dateformat.format(self.starts_local, "D j M Y, H:i")
        return f"{starts} – {dateformat.format(self.ends_local, 'H:i')} ({self.timezone_name})"


def ticket_display(ticket: Ticket) -> TicketDisplay:
    """Expects `ticket.booking.campaign`, `ticket.booking.customer` and `ticket.ticket_type`
    loaded. Times are shown in the campaign's own timezone, as printed on a venue's poster."""
    booking = ticket.booking
    campaign = booking.campaign
    zone = ZoneInfo(campaign.timezone)
    venue = ", ".join(
        part for part in (campaign.venue_name, campaign.venue_address, campaign.city) if part
    )
    return TicketDisplay(
        ticket_id=ticket.pk,
        campaign_title=campaign.title,
        venue=venue,
        starts_local=timezone.localtime(campaign.starts_at, zone),
        ends_local=timezone.localtime(campaign.ends_at, zone),
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
