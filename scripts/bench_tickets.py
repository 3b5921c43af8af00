"""PDF tickets benchmark: tickets rendered per second on one core.

Renders N one-page tickets in this single process, as a Celery worker process does: first
each ticket as its own PDF (the single-ticket download), then in bookings of 10 (the e-mail
attachment). The tickets are built in memory (no database), with real QR tokens. Prints
tickets/s for both, after one warm-up render (font loading, WeasyPrint import). Without
Debian's libharfbuzz-subset0 WeasyPrint embeds whole fonts and runs about 5 times slower:
the script says which case it measured.

Usage: python scripts/bench_tickets.py [N]   (default 60)
"""

import ctypes.util
import logging
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from accounts.models import User  # noqa: E402
from bookings.models import Booking, Ticket  # noqa: E402
from bookings.tickets import pdf  # noqa: E402
from bookings.tickets.qr import encode_token  # noqa: E402
from campaigns.models import Campaign, TicketType  # noqa: E402
from core.crypto import new_key  # noqa: E402

BOOKING_SIZE = 10


def make_tickets(count: int) -> list[Ticket]:
    """Unsaved tickets with their relations set, as the renderer reads them."""
    starts = datetime(2030, 6, 1, 18, 30, tzinfo=UTC)
    campaign = Campaign(
        pk=1,
        public_id="bEnCh123",
        title="Rooftop Jazz Night",
        venue_name="Eko Hall",
        venue_address="1 Marina Road",
        city="Lagos",
        timezone="Africa/Lagos",
        starts_at=starts,
        ends_at=starts + timedelta(hours=5),
    )
    ticket_type = TicketType(
        pk=1,
        campaign=campaign,
        name="VIP Table",
        scans_allowed=2,
        attributes={"table_size": 4, "drinks_included": True},
    )
    customer = User(pk=1, email="bench@example.com", name="Grace Holder")
    key = new_key()
    tickets = []
    for number in range(1, count + 1):
        booking = Booking(
            pk=number, reference=f"BENCH{number:03d}", campaign=campaign, customer=customer
        )
        booking.status = Booking.Status.CONFIRMED
        ticket = Ticket(
            pk=number,
            booking=booking,
            ticket_type=ticket_type,
            holder_name=f"Holder {number}",
            admits=1 + number % 3,
            scans_allowed=2,
        )
        ticket.qr_token = encode_token(
            campaign_id=campaign.pk,
            public_id=campaign.public_id,
            key_version=1,
            key=key,
            ticket_id=number,
            scans_allowed=2,
        )
        tickets.append(ticket)
    return tickets


def measure(tickets: list[Ticket], per_pdf: int) -> float:
    started = time.perf_counter()
    for index in range(0, len(tickets), per_pdf):
        pdf.render_tickets(tickets[index : index + per_pdf])
    return len(tickets) / (time.perf_counter() - started)


def main() -> None:
    logging.getLogger("weasyprint").setLevel(logging.WARNING)  # per-step INFO lines
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    tickets = make_tickets(count)
    subset = ctypes.util.find_library("harfbuzz-subset")
    print(f"libharfbuzz-subset: {subset or 'MISSING (install libharfbuzz-subset0)'}")
    warm_up = time.perf_counter()
    pdf.render_tickets(tickets[:1])
    print(f"first render (WeasyPrint import, fonts): {time.perf_counter() - warm_up:.2f} s")
    single = measure(tickets, per_pdf=1)
    bundled = measure(tickets, per_pdf=BOOKING_SIZE)
    print(f"tickets rendered, one per PDF:        {single:6.1f} tickets/s per core ({count})")
    print(f"tickets rendered, {BOOKING_SIZE} per booking PDF: {bundled:6.1f} tickets/s per core")


if __name__ == "__main__":
    main()
