"""Every write of the waiting lists: join, leave, offer released seats, lapse, book an offer.

Every write here runs holding the ticket type's row lock (core.locking), the lock that guards
`TicketType.reserved`: entries and offers of a type never change without it, so they need no
row locks of their own. Lock order as in bookings.services: bookings first, then ticket types
in id order; this module locks ticket types only.

Seats on offer count in `TicketType.reserved`, so "never oversell" and the public remaining
(`capacity - reserved`) need no change: remaining = capacity - held - sold - offered.

Who gets released seats (`waiting_lists_serve`): entries are offered in join order, each its
full quantity; an entry whose quantity does not fit in the free seats keeps its place and is
skipped for now ("first fit"), so a seat someone on the list can use never goes back to open
sale, and the head of the list is first again at the next release. Seats no waiting entry can
use stay on open sale. An offer lasts WAITING_LIST_OFFER_MINUTES; a lapsed or withdrawn one
passes its seats on by the same function.

Callers: bookings.services after every release (expiry by the job or by a booking's overdue
sweep, cancellation, refund, campaign settlement) and before taking free seats for a booking;
joining and leaving here; and the beat job `waiting_lists_sweep`, which also serves seats a
capacity increase freed (campaigns edits capacity and cannot call up into bookings; until the
job or the next booking or join on the type runs, those seats show as remaining, but no booking
can take them before the list: booking serves the list first under the same lock).
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import User
from bookings import inventory
from bookings.models import Offer, WaitingListEntry
from bookings.waitlist import selectors
from campaigns.live import availability_changed
from campaigns.models import Campaign, TicketType
from core import sql
from core.errors import Conflict, Invalid, NotFound, NotPermitted
from core.locking import lock, lock_one
from core.tasks import enqueue_on_commit

logger = logging.getLogger(__name__)

SWEEP_BATCH = 200


class OnSale(Conflict):
    code = "on_sale"
    default_detail = "Seats are on sale: book them instead of joining the waiting list."


class WaitingListClosed(Conflict):
    code = "not_on_sale"
    default_detail = "This ticket type is not on sale, so it has no waiting list."


class AlreadyWaiting(Conflict):
    code = "already_waiting"
    default_detail = "You are already on this waiting list."


class NotWaiting(NotFound):
    code = "not_waiting"
    default_detail = "You are not on this waiting list."


class UnknownOffer(NotFound):
    code = "offer_not_found"
    default_detail = "No such offer."


class OfferExpired(Conflict):
    code = "offer_expired"
    default_detail = "This offer has lapsed; its seats went to the next person in line."


# --- The offer pass: call holding the ticket-type locks ------------------------------------


def overdue_offers_exist():
    """An expression for a top-level ticket-type query: whether the type has open offers past
    their end (in SQL: every booking request asks, core.sql)."""
    return sql.exists(
        f"{sql.table(Offer)} WHERE ticket_type_id = {sql.table(TicketType)}.id "
        "AND status = %s AND expires_at <= %s",
        (Offer.Status.OPEN, sql.moment(timezone.now())),
    )


def entries_waiting_exist():
    """An expression for a top-level ticket-type query: whether anyone waits for the type."""
    return sql.exists(
        f"{sql.table(WaitingListEntry)} WHERE ticket_type_id = {sql.table(TicketType)}.id "
        "AND status = %s",
        (WaitingListEntry.Status.WAITING,),
    )


def waiting_list_work():
    """An expression for a top-level ticket-type query: whether the type has entries waiting
    or offers overdue, i.e. whether `waiting_lists_serve` may change anything for it."""
    return overdue_offers_exist() | entries_waiting_exist()


def _add(seats: dict[int, int], pk: int, quantity: int) -> None:
    seats[pk] = seats.get(pk, 0) + quantity


def _lapse_overdue(type_ids, now) -> dict[int, int]:
    """Lapse the open offers of these types past `expires_at`; `{type: seats}` they held."""
    overdue = list(
        Offer.objects.filter(
            ticket_type_id__in=type_ids, status=Offer.Status.OPEN, expires_at__lte=now
        ).values_list("pk", "entry_id", "ticket_type_id", "quantity")
    )
    if not overdue:
        return {}
    Offer.objects.filter(pk__in=[row[0] for row in overdue]).update(status=Offer.Status.LAPSED)
    WaitingListEntry.objects.filter(pk__in=[row[1] for row in overdue]).update(
        status=WaitingListEntry.Status.LAPSED, updated_at=now
    )
    freed: dict[int, int] = {}
    for _, _, type_id, quantity in overdue:
        _add(freed, type_id, -quantity)
    inventory.move_seats(freed)
    logger.info("Lapsed %d waiting-list offers", len(overdue))
    return freed


def _make_offers(type_ids, now) -> dict[int, int]:
    """Offer the free seats of these types to their waiting entries, first fit in join
    order; `{type: seats}` offered. Each offer's e-mail is queued for after the commit. Types
    no longer on sale (a cancelled or ended campaign, a closed sales window) offer nothing."""
    free = dict(
        TicketType.objects.filter(
            Q(sales_end__isnull=True) | Q(sales_end__gt=now),
            pk__in=type_ids,
            reserved__lt=F("capacity"),
            campaign__status=Campaign.Status.PUBLISHED,
            campaign__ends_at__gt=now,
        )
        .annotate(free=F("capacity") - F("reserved"))
        .values_list("pk", "free")
    )
    if not free:
        return {}
    offers = []
    waiting = WaitingListEntry.objects.filter(
        ticket_type_id__in=free, status=WaitingListEntry.Status.WAITING
    ).order_by("joined_at", "pk")
    expires_at = now + timedelta(minutes=settings.WAITING_LIST_OFFER_MINUTES)
    for entry in waiting.only("pk", "ticket_type_id", "quantity").iterator():
        if entry.quantity <= free[entry.ticket_type_id]:
            free[entry.ticket_type_id] -= entry.quantity
            offers.append(
                Offer(
                    entry=entry,
                    ticket_type_id=entry.ticket_type_id,
                    quantity=entry.quantity,
                    expires_at=expires_at,
                )
            )
            if not any(free.values()):
                break
    if not offers:
        return {}
    Offer.objects.bulk_create(offers)
    WaitingListEntry.objects.filter(pk__in=[offer.entry_id for offer in offers]).update(
        status=WaitingListEntry.Status.OFFERED, updated_at=now
    )
    offered: dict[int, int] = {}
    for offer in offers:
        _add(offered, offer.ticket_type_id, offer.quantity)
        enqueue_on_commit(offer_email, offer_id=offer.pk)
    inventory.move_seats(offered)
    logger.info("Made %d waiting-list offers", len(offers))
    return offered


def waiting_lists_serve(*, ticket_type_ids, now=None) -> bool:
    """Lapse the overdue offers of these types and offer their free seats to the waiting list;
    True if anything changed (the caller must then commit, even when it refuses its request).

    The one code path that makes offers, whoever freed the seats (a request, a worker, beat).
    Call holding the types' row locks, in the transaction that freed the seats, so no open-sale
    booking can take them in between.
    """
    now = now or timezone.now()
    lapsed = _lapse_overdue(ticket_type_ids, now)
    offered = _make_offers(ticket_type_ids, now)
    changed = lapsed.keys() | offered.keys()
    for campaign_id in set(
        TicketType.objects.filter(pk__in=changed).values_list("campaign_id", flat=True)
    ):
        availability_changed(campaign_id)
    return bool(changed)


def waiting_lists_sweep(*, limit: int = SWEEP_BATCH) -> int:
    """Beat job: serve the types with offers overdue, or with entries waiting while seats are
    free (a capacity increase); returns how many types it served. Safe in parallel and when
    repeated: types another run holds are skipped, and it serves under their locks."""
    due = TicketType.objects.filter(
        Q(overdue_offers_exist()) | Q(entries_waiting_exist(), reserved__lt=F("capacity"))
    )
    with transaction.atomic(durable=True):
        type_ids = lock(due.values_list("pk", flat=True), limit=limit, skip_locked=True)
        if type_ids:
            waiting_lists_serve(ticket_type_ids=type_ids)
    return len(type_ids)


# --- Customers: join and leave ---------------------------------------------------------------


def _lock_listable(ticket_type_id: int) -> TicketType:
    """The type's row, locked, if its waiting list may be joined or left."""
    try:
        ticket_type = lock_one(TicketType.objects.select_related("campaign"), pk=ticket_type_id)
    except TicketType.DoesNotExist:
        raise NotFound("No such ticket type.") from None
    if ticket_type.hidden or ticket_type.campaign.status == Campaign.Status.DRAFT:
        raise NotFound("No such ticket type.")
    return ticket_type


def waiting_list_join(*, customer: User, ticket_type_id: int, quantity: int) -> WaitingListEntry:
    """Queue `customer` for `quantity` seats of a sold-out type; refuse while they are on sale.

    "Sold out" means fewer seats remain than the customer wants, decided under the type's lock
    after serving the list (overdue offers lapse first: their seats may go to those ahead).
    """
    refusal = None
    with transaction.atomic():
        ticket_type = _lock_listable(ticket_type_id)
        if not ticket_type.campaign.is_on_sale or ticket_type.sales_state == "ended":
            raise WaitingListClosed()
        if not 1 <= quantity <= ticket_type.max_per_booking:
            message = f"Choose 1 to {ticket_type.max_per_booking} seats."
            raise Invalid(message, fields={"quantity": [message]})
        waiting_lists_serve(ticket_type_ids=[ticket_type.pk])
        ticket_type.refresh_from_db(fields=["capacity", "reserved"])
        active = WaitingListEntry.objects.filter(
            ticket_type=ticket_type, customer=customer, status__in=WaitingListEntry.ACTIVE_STATUSES
        )
        if ticket_type.remaining >= quantity:
            refusal = OnSale(
                f"{ticket_type.remaining} seats of {ticket_type.name} are on sale: book them.",
                remaining=ticket_type.remaining,
            )
        elif active.exists():
            refusal = AlreadyWaiting()
        else:
            return WaitingListEntry.objects.create(
                ticket_type=ticket_type, customer=customer, quantity=quantity
            )
    raise refusal


def waiting_list_leave(*, customer: User, ticket_type_id: int) -> WaitingListEntry:
    """Take `customer` off the type's list; seats on offer to them pass to the next in line."""
    with transaction.atomic():
        ticket_type = _lock_listable(ticket_type_id)
        entry = selectors.entry_active(customer=customer, ticket_type_id=ticket_type.pk)
        if entry is None:
            raise NotWaiting()
        if entry.status == WaitingListEntry.Status.OFFERED:
            Offer.objects.filter(pk=entry.offer.pk).update(status=Offer.Status.WITHDRAWN)
            inventory.move_seats({ticket_type.pk: -entry.offer.quantity})
            availability_changed(ticket_type.campaign_id)
        entry.status = WaitingListEntry.Status.LEFT
        entry.save(update_fields=["status", "updated_at"])
        waiting_lists_serve(ticket_type_ids=[ticket_type.pk])
    return entry


# --- Booking an offer (for bookings.services) --------------------------------------------------


def offer_of_customer(*, token: str, customer: User) -> Offer:
    """The offer `token` names, if it was made to `customer`; read without locks, to validate
    a booking request before its transaction."""
    offer = (
        Offer.objects.select_related("entry", "ticket_type").filter(token=token).first()
        if token
        else None
    )
    if offer is None:
        raise UnknownOffer()
    if offer.entry.customer_id != customer.pk:
        raise NotPermitted("This offer was made to someone else.")
    return offer


def offer_closed(offer: Offer) -> OfferExpired | None:
    """The refusal to book `offer` as it was read, or None while it is open."""
    if offer.status == Offer.Status.OPEN:
        return None
    if offer.status == Offer.Status.BOOKED:
        return OfferExpired("This offer was already used for a booking.")
    if offer.status == Offer.Status.WITHDRAWN:
        return OfferExpired("You left the waiting list, which withdrew this offer.")
    return OfferExpired()


def offer_take(*, offer_id: int, booking_id: int) -> OfferExpired | None:
    """Give an open offer's seats to the booking being created: they move from offered to
    held, and `reserved` stays as it is. Returns the refusal for an offer that lapsed (it is
    lapsed now, and its seats passed on: the caller commits that) or was used already.

    Call holding the offer's ticket-type lock, in the transaction that creates the booking.
    """
    offer = Offer.objects.get(pk=offer_id)
    waiting_lists_serve(ticket_type_ids=[offer.ticket_type_id])
    taken = Offer.objects.filter(
        pk=offer_id, status=Offer.Status.OPEN, expires_at__gt=timezone.now()
    ).update(status=Offer.Status.BOOKED, booking_id=booking_id)
    if not taken:
        offer.refresh_from_db(fields=["status"])
        return offer_closed(offer) or OfferExpired()
    WaitingListEntry.objects.filter(pk=offer.entry_id).update(
        status=WaitingListEntry.Status.BOOKED, updated_at=timezone.now()
    )
    return None


# --- The offer e-mail ---------------------------------------------------------------------------


def _offer_message(offer: Offer) -> EmailMultiAlternatives:
    campaign = offer.ticket_type.campaign
    context = {
        "offer": offer,
        "campaign": campaign,
        "ticket_type": offer.ticket_type,
        "customer": offer.entry.customer,
        "offer_url": f"{settings.SITE_URL}{campaign.get_absolute_url()}?offer={offer.token}#offer",
    }
    message = EmailMultiAlternatives(
        subject=render_to_string("bookings/email/offer_subject.txt", context).strip(),
        body=render_to_string("bookings/email/offer_body.txt", context),
        to=[offer.entry.customer.email],
    )
    message.attach_alternative(
        render_to_string("bookings/email/offer_body.html", context), "text/html"
    )
    return message


def offer_email(*, offer_id: int) -> bool:
    """E-mail the customer their offer link; True if sent.

    Once only, with no network call inside a transaction: the send is claimed by stamping
    `emailed_at` first, so a second delivery of the task finds it stamped and sends nothing;
    a send that fails takes the stamp back and raises, for the task to retry. An offer no
    longer open (booked, lapsed, withdrawn meanwhile) gets no mail.
    """
    claimed = Offer.objects.filter(
        pk=offer_id, status=Offer.Status.OPEN, emailed_at__isnull=True
    ).update(emailed_at=timezone.now())
    if not claimed:
        return False
    offer = Offer.objects.select_related("entry__customer", "ticket_type__campaign").get(
        pk=offer_id
    )
    try:
        _offer_message(offer).send()
    except Exception:
        Offer.objects.filter(pk=offer_id).update(emailed_at=None)
        raise
    return True
