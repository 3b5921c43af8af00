"""Reads of the validation app shared by its API and pages."""

from django.db.models import Case, Count, Max, Q, QuerySet, Value, When

from accounts.models import User
from bookings.models import Booking, Ticket
from campaigns.models import Campaign, TicketType
from validation.models import RefusedScan, Scan, ScannerDevice


def campaigns_of_manager(*, manager: User) -> QuerySet[Campaign]:
    return manager.managed_campaigns.order_by("starts_at", "pk")


def tickets_of_manager(*, manager: User) -> QuerySet[Ticket]:
    """Tickets of the campaigns `manager` is assigned to, with their last scan time."""
    return tickets_with_last_scan(Ticket.objects.filter(booking__campaign__managers=manager))


def tickets_with_last_scan(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """`tickets` with the last time each was presented at the door (admitted or turned away
    as used)."""
    return tickets.select_related("booking").annotate(
        last_scanned_at=Max(
            "scans__scanned_at",
            filter=Q(scans__result__in=[Scan.Result.VALID, Scan.Result.ALREADY_USED]),
        )
    )


def conflicts_of_campaign(*, campaign: Campaign) -> QuerySet[Scan]:
    """Offline entries the door let through beyond a ticket's allowance, newest first."""
    return Scan.objects.filter(campaign=campaign, conflict=True).select_related(
        "ticket__ticket_type", "manager", "scanner_device"
    )


# Bookings whose tickets count as sold at the door; a refund or cancellation voids them.
_SOLD = Q(tickets__booking__status=Booking.Status.CONFIRMED, tickets__status=Ticket.Status.VALID)


def door_counts(*, campaign_id: int) -> list[dict]:
    """Per ticket type: tickets sold (valid, of paid bookings) and how many of them have
    entered at least once. One query."""
    rows = (
        TicketType.objects.filter(campaign_id=campaign_id)
        .order_by("pk")
        .annotate(
            sold=Count("tickets", filter=_SOLD),
            checked_in=Count("tickets", filter=_SOLD & Q(tickets__scans_used__gt=0)),
        )
        .values_list("pk", "name", "checked_in", "sold")
    )
    return [
        {"ticket_type": pk, "ticket_type_name": name, "checked_in": checked_in, "sold": sold}
        for pk, name, checked_in, sold in rows
    ]


CHECKIN_RESULTS = 50


def checkin_search(*, campaign: Campaign, q: str = "") -> tuple[list[Ticket], bool]:
    """The campaign's issued tickets matching `q` (holder name or e-mail, buyer e-mail, or
    booking reference), by holder name; at most CHECKIN_RESULTS, and whether more matched.

    Each ticket carries `door_status`: what a scan would say before counting (`valid`,
    `void` for a voided ticket or a refunded or cancelled booking, `not_paid`). One query.
    """
    tickets = Ticket.objects.filter(booking__campaign=campaign)
    q = q.strip()
    if q:
        tickets = tickets.filter(
            Q(holder_name__icontains=q)
            | Q(holder_email__icontains=q)
            | Q(booking__customer__email__icontains=q)
            | Q(booking__reference=q.upper())
        )
    rows = list(
        tickets.select_related("booking__customer", "ticket_type")
        .annotate(
            door_status=Case(
                When(
                    Q(status=Ticket.Status.VOID)
                    | Q(booking__status__in=(Booking.Status.REFUNDED, Booking.Status.CANCELLED)),
                    then=Value(Scan.Result.VOID),
                ),
                When(booking__status=Booking.Status.CONFIRMED, then=Value(Scan.Result.VALID)),
                default=Value(Scan.Result.NOT_PAID),
            )
        )
        .order_by("holder_name", "pk")[: CHECKIN_RESULTS + 1]
    )
    return rows[:CHECKIN_RESULTS], len(rows) > CHECKIN_RESULTS


def campaigns_of_door_staff(*, user: User) -> QuerySet[Campaign]:
    """Campaigns whose door `user` runs: their own (a seller) or assigned to them."""
    if not user.is_authenticated:
        return Campaign.objects.none()
    return Campaign.objects.filter(
        Q(seller=user) | Q(pk__in=user.managed_campaigns.values("pk"))
    ).order_by("pk")


def devices_of_campaign(*, campaign: Campaign) -> QuerySet[ScannerDevice]:
    return campaign.scanner_devices.select_related("paired_by", "revoked_by")


def devices_of_door_staff(*, user: User) -> QuerySet[ScannerDevice]:
    return ScannerDevice.objects.filter(campaign__in=campaigns_of_door_staff(user=user))


def refused_scans_of_campaign(*, campaign: Campaign) -> QuerySet[RefusedScan]:
    """Offline scans that revoked devices tried to sync, newest first."""
    return RefusedScan.objects.filter(device__campaign=campaign).select_related(
        "device", "ticket__ticket_type"
    )
