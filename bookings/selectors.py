"""Reads of bookings used by several views, commands and other apps."""

from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from accounts.models import User
from bookings.models import Booking, BookingItem, Offer, Ticket
from campaigns.models import Campaign, TicketType
from core.money import DECIMAL_PLACES, MAX_DIGITS


def booking_list_for_customer(*, customer: User, status: str | None = None) -> QuerySet[Booking]:
    """The customer's own bookings, newest first, with what their list rows show."""
    bookings = Booking.objects.filter(customer=customer).select_related("campaign")
    if status:
        bookings = bookings.filter(status=status)
    return bookings.prefetch_related("items", "tickets", "receipts")


def booking_list_for_campaign(*, campaign: Campaign) -> QuerySet[Booking]:
    """Every booking of a campaign, for its seller's dashboard."""
    return (
        Booking.objects.filter(campaign=campaign)
        .select_related("customer")
        .prefetch_related("items__ticket_type", "receipts")
    )


ATTENDEE_COLUMNS = [
    "ticket",
    "booking",
    "ticket_type",
    "holder_name",
    "holder_email",
    "buyer_name",
    "buyer_email",
    "status",
    "admits",
    "entries_used",
    "entries_allowed",
    "confirmed_at",
]
ATTENDEE_BATCH = 1000


def attendees_csv_rows(*, campaign_id: int) -> Iterator[list[list]]:
    """The tickets of the campaign's confirmed bookings, one row each (ATTENDEE_COLUMNS), in
    batches of ATTENDEE_BATCH. A transferred ticket's holder e-mail is its new owner's; the
    ticket it replaced is listed `void`."""
    tickets = (
        Ticket.objects.filter(
            booking__campaign_id=campaign_id, booking__status=Booking.Status.CONFIRMED
        )
        .select_related("booking__customer", "ticket_type")
        .order_by("pk")
    )
    batch = []
    for ticket in tickets.iterator(chunk_size=ATTENDEE_BATCH):
        booking = ticket.booking
        batch.append(
            [
                ticket.pk,
                booking.reference,
                ticket.ticket_type.name,
                ticket.holder_name,
                ticket.owner_email or ticket.holder_email,
                booking.customer.name,
                booking.customer.email,
                ticket.status,
                ticket.admits,
                ticket.scans_used,
                ticket.scans_allowed,
                booking.confirmed_at.isoformat() if booking.confirmed_at else "",
            ]
        )
        if len(batch) == ATTENDEE_BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _confirmed(campaign_id: int) -> QuerySet[Booking]:
    """The campaign's sales: confirmed bookings (refunded ones no longer count)."""
    return Booking.objects.filter(campaign_id=campaign_id, status=Booking.Status.CONFIRMED)


def sales_per_day(*, campaign_id: int) -> QuerySet:
    """`{day, bookings, revenue, discounts}` per UTC day of confirmation; revenue is net of
    the discounts."""
    return (
        _confirmed(campaign_id)
        .annotate(day=TruncDate("confirmed_at"))
        .values("day")
        .annotate(bookings=Count("pk"), revenue=Sum("total"), discounts=Sum("discount"))
        .order_by("day")
    )


def tickets_sold_per_ticket_type(*, campaign_id: int) -> QuerySet:
    """`{ticket_type, tickets, revenue, discounts}` of the confirmed bookings' items; revenue
    is net of the discounts."""
    line_total = ExpressionWrapper(
        F("quantity") * F("unit_price") - F("discount"),
        output_field=DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES),
    )
    return (
        BookingItem.objects.filter(booking__in=_confirmed(campaign_id))
        .values("ticket_type")
        .annotate(tickets=Sum("quantity"), revenue=Sum(line_total), discounts=Sum("discount"))
        .order_by("ticket_type")
    )


def tickets_sold_per_day(*, campaign_id: int) -> QuerySet:
    """`{day, tickets}` per UTC day of confirmation."""
    return (
        BookingItem.objects.filter(booking__in=_confirmed(campaign_id))
        .annotate(day=TruncDate("booking__confirmed_at"))
        .values("day")
        .annotate(tickets=Sum("quantity"))
        .order_by("day")
    )


def campaign_has_bookings_to_settle(*, campaign_id: int) -> bool:
    """Whether the campaign has holds or paid bookings, which its cancellation settles."""
    return Booking.objects.filter(
        campaign_id=campaign_id, status__in=Booking.HOLDING_STATUSES
    ).exists()


def booking_ids_owed_refund(*, campaign_id: int) -> list[int]:
    """Paid bookings of a cancelled campaign still waiting for their money, in id order."""
    return list(
        Booking.objects.filter(
            campaign_id=campaign_id,
            status=Booking.Status.CONFIRMED,
            refund_requested_at__isnull=False,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


@dataclass(frozen=True)
class InventoryDiscrepancy:
    ticket_type_id: int
    name: str
    capacity: int
    reserved: int
    held: int
    offered: int

    @property
    def on_sale(self) -> int:
        return self.capacity - self.reserved


def _seats_per_type(queryset, seats: str) -> Subquery:
    """The sum of `seats` over the rows of `queryset` of the outer ticket type (0 if none)."""
    return Coalesce(
        Subquery(
            queryset.filter(ticket_type=OuterRef("pk"))
            .values("ticket_type")
            .annotate(seats=Sum(seats))
            .values("seats")
        ),
        Value(0),
    )


def inventory_discrepancies() -> list[InventoryDiscrepancy]:
    """Ticket types whose `reserved` differs from the seats of pending + confirmed bookings
    plus the seats on open waiting-list offers; so held + sold + offered + on sale (capacity -
    reserved, never negative: a database constraint) add up to capacity everywhere else."""
    held = BookingItem.objects.filter(booking__status__in=Booking.HOLDING_STATUSES)
    offered = Offer.objects.filter(status=Offer.Status.OPEN)
    rows = (
        TicketType.objects.annotate(
            held=_seats_per_type(held, "quantity"), offered=_seats_per_type(offered, "quantity")
        )
        .exclude(reserved=F("held") + F("offered"))
        .order_by("pk")
        .values_list("pk", "name", "capacity", "reserved", "held", "offered")
    )
    return [InventoryDiscrepancy(*row) for row in rows]


def oldest_overdue_hold_age_seconds() -> float:
    """Seconds since the oldest still-pending hold should have expired; 0 while expiry keeps
    up. One lookup on the (status, expires_at) index, cheap enough for every scrape."""
    now = timezone.now()
    oldest = Booking.objects.filter(
        status=Booking.Status.PENDING_PAYMENT, expires_at__lte=now
    ).aggregate(oldest=Min("expires_at"))["oldest"]
    return (now - oldest).total_seconds() if oldest is not None else 0.0
