"""Reads of the validation app shared by its API and pages."""

from django.db.models import Max, Q, QuerySet

from accounts.models import User
from bookings.models import Ticket
from campaigns.models import Campaign
from validation.models import Scan


def campaigns_of_manager(*, manager: User) -> QuerySet[Campaign]:
    return manager.managed_campaigns.order_by("starts_at", "pk")


def tickets_of_manager(*, manager: User) -> QuerySet[Ticket]:
    """Tickets of the campaigns `manager` is assigned to, with the last time each was
    presented at the door (admitted or turned away as used)."""
    return (
        Ticket.objects.filter(booking__campaign__managers=manager)
        .select_related("booking")
        .annotate(
            last_scanned_at=Max(
                "scans__scanned_at",
                filter=Q(scans__result__in=[Scan.Result.VALID, Scan.Result.ALREADY_USED]),
            )
        )
    )


def conflicts_of_campaign(*, campaign: Campaign) -> QuerySet[Scan]:
    """Offline entries the door let through beyond a ticket's allowance, newest first."""
    return Scan.objects.filter(campaign=campaign, conflict=True).select_related(
        "ticket__ticket_type", "manager"
    )
