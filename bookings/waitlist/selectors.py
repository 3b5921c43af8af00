"""Reads of the waiting lists: a customer's place in line, a seller's view of a campaign."""

from dataclasses import dataclass

from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce

from accounts.models import User
from bookings.models import Offer, WaitingListEntry
from campaigns.models import Campaign


def _waiting_ahead():
    """How many entries wait before this one on its ticket type (a correlated subquery)."""
    ahead = (
        WaitingListEntry.objects.filter(
            Q(joined_at__lt=OuterRef("joined_at"))
            | Q(joined_at=OuterRef("joined_at"), pk__lt=OuterRef("pk")),
            ticket_type_id=OuterRef("ticket_type_id"),
            status=WaitingListEntry.Status.WAITING,
        )
        .order_by()
        .values("ticket_type_id")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(ahead), 0)


def _position(entry: WaitingListEntry, ahead: int) -> int | None:
    return ahead + 1 if entry.status == WaitingListEntry.Status.WAITING else None


def entry_position(entry: WaitingListEntry) -> int | None:
    """1 for the next in line; None once the entry is no longer waiting (offered, left...)."""
    if entry.status != WaitingListEntry.Status.WAITING:
        return None
    ahead = (
        WaitingListEntry.objects.filter(pk=entry.pk)
        .annotate(ahead=_waiting_ahead())
        .values_list("ahead", flat=True)
        .get()
    )
    return _position(entry, ahead)


def entry_active(*, customer: User, ticket_type_id: int) -> WaitingListEntry | None:
    """The customer's entry still waiting or offered on this type, with its offer."""
    return (
        WaitingListEntry.objects.filter(
            customer=customer,
            ticket_type_id=ticket_type_id,
            status__in=WaitingListEntry.ACTIVE_STATUSES,
        )
        .select_related("offer")
        .first()
    )


def entries_active_of_customer(*, customer: User, campaign: Campaign) -> list[WaitingListEntry]:
    """The customer's active entries on the campaign's types, each with `position`."""
    entries = list(
        WaitingListEntry.objects.filter(
            customer=customer,
            ticket_type__campaign=campaign,
            status__in=WaitingListEntry.ACTIVE_STATUSES,
        )
        .select_related("offer", "ticket_type")
        .annotate(ahead=_waiting_ahead())
    )
    for entry in entries:
        entry.position = _position(entry, entry.ahead)
    return entries


def offer_open(*, token: str, customer: User, campaign: Campaign) -> Offer | None:
    """The customer's open offer on this campaign that `token` names, else None."""
    if not token:
        return None
    return (
        Offer.objects.filter(
            token=token,
            status=Offer.Status.OPEN,
            entry__customer=customer,
            ticket_type__campaign=campaign,
        )
        .select_related("ticket_type")
        .first()
    )


@dataclass(frozen=True)
class WaitingList:
    """One ticket type's list, for its seller: `length` entries still waiting, `entries` the
    active ones (waiting, then on offer) in join order."""

    ticket_type: int
    name: str
    length: int
    seats_wanted: int
    entries: list[WaitingListEntry]


def waiting_lists_of_campaign(*, campaign: Campaign) -> list[WaitingList]:
    """Every ticket type of the campaign with its active entries (each with `position`)."""
    active = (
        WaitingListEntry.objects.filter(status__in=WaitingListEntry.ACTIVE_STATUSES)
        .select_related("customer", "offer")
        .order_by("joined_at", "pk")
    )
    types = (
        campaign.ticket_types.order_by("position", "pk")
        .annotate(
            waiting=Count(
                "waiting_list_entries",
                filter=Q(waiting_list_entries__status=WaitingListEntry.Status.WAITING),
            )
        )
        .prefetch_related(Prefetch("waiting_list_entries", queryset=active, to_attr="active"))
    )
    lists = []
    for ticket_type in types:
        position = 0
        for entry in ticket_type.active:
            if entry.status == WaitingListEntry.Status.WAITING:
                position += 1
                entry.position = position
            else:
                entry.position = None
        lists.append(
            WaitingList(
                ticket_type=ticket_type.pk,
                name=ticket_type.name,
                length=ticket_type.waiting,
                seats_wanted=sum(
                    e.quantity
                    for e in ticket_type.active
                    if e.status == WaitingListEntry.Status.WAITING
                ),
                entries=ticket_type.active,
            )
        )
    return lists
