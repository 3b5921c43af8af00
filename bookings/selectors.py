"""Reads of bookings used by several views, commands and other apps."""

from dataclasses import dataclass

from django.db.models import F, Min, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User
from bookings.models import Booking, BookingItem
from campaigns.models import Campaign, TicketType


def booking_list_for_customer(*, customer: User, status: str | None = None) -> QuerySet[Booking]:
    """The customer's own bookings, newest first, with what their list rows show."""
    bookings = Booking.objects.filter(customer=customer).select_related("campaign")
    if status:
        bookings = bookings.filter(status=status)
    return bookings.prefetch_related("items", "tickets")


def booking_list_for_campaign(*, campaign: Campaign) -> QuerySet[Booking]:
    """Every booking of a campaign, for its seller's dashboard."""
    return (
        Booking.objects.filter(campaign=campaign)
        .select_related("customer")
        .prefetch_related("items__ticket_type")
    )


@dataclass(frozen=True)
class InventoryDiscrepancy:
    ticket_type_id: int
    name: str
    reserved: int
    held: int


def inventory_discrepancies() -> list[InventoryDiscrepancy]:
    """Ticket types whose `reserved` differs from the seats of pending + confirmed bookings."""
    held = (
        BookingItem.objects.filter(
            ticket_type=OuterRef("pk"), booking__status__in=Booking.HOLDING_STATUSES
        )
        .values("ticket_type")
        .annotate(seats=Sum("quantity"))
        .values("seats")
    )
    rows = (
        TicketType.objects.annotate(held=Coalesce(Subquery(held), Value(0)))
        .exclude(reserved=F("held"))
        .order_by("pk")
        .values_list("pk", "name", "reserved", "held")
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
