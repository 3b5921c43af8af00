"""Every write of the bookings app: holds, cancellation, expiry, confirmation, refunds.

Lock order, everywhere: booking rows (in id order) first, then ticket-type rows in id order,
then promo-code rows (bookings.codes: a code's use is taken under its lock, after the types).
`TicketType.reserved` changes only under those ticket-type locks and always equals the seats
of the pending and confirmed bookings of the type plus its seats on waiting-list offers
(checked by `manage.py audit_inventory`). Seats released go to the waiting list first, in the
releasing transaction (bookings.waitlist.services.waiting_lists_serve).
A hold past its `expires_at` never blocks a booking: `booking_create` releases the overdue
holds of the types it books itself, so correctness never waits for the expiry job.
"""

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.models import User
from accounts.services import audit_event_record
from bookings import inventory
from bookings.codes import services as codes
from bookings.models import Booking, BookingItem, Ticket
from bookings.tickets import services as issued_tickets
from bookings.tickets.holders import clean_holder_name
from bookings.waitlist import services as waiting_lists
from campaigns.live import availability_changed
from campaigns.models import Campaign, TicketType
from core import metrics, sql
from core.errors import Conflict, Invalid, InvalidTransition, NotPermitted, Unprocessable
from core.locking import lock, lock_one
from core.money import to_money
from core.tasks import enqueue_on_commit

logger = logging.getLogger(__name__)

MAX_ITEMS_PER_BOOKING = 20
EXPIRY_BATCH = 500


class InvalidBooking(Invalid):
    """A request that can never succeed as sent; `fields` names the offending input."""

    default_detail = "The booking request is not valid."


class NotOnSale(Conflict):
    code = "not_on_sale"
    default_detail = "These tickets are not on sale."


class SoldOut(Conflict):
    code = "sold_out"
    default_detail = "Not enough tickets left."


class IdempotencyKeyReused(Unprocessable):
    code = "idempotency_key_reused"
    default_detail = "This Idempotency-Key was already used for a different booking request."


class ConfirmOutcome(StrEnum):
    CONFIRMED = "confirmed"
    ALREADY_CONFIRMED = "already_confirmed"
    NEEDS_REFUND = "needs_refund"


@dataclass(frozen=True)
class ConfirmResult:
    """What `confirm_booking` did; on NEEDS_REFUND the caller refunds the payment (rule 3)."""

    outcome: ConfirmOutcome
    booking: Booking

    @property
    def needs_refund(self) -> bool:
        return self.outcome == ConfirmOutcome.NEEDS_REFUND


# --- Helpers shared by the services -------------------------------------------------------


def _invalid(field: str, message: str) -> InvalidBooking:
    return InvalidBooking(message, fields={field: [message]})


def _lock_ticket_types(type_ids) -> list[TicketType]:
    """Lock ticket-type rows, with their campaigns loaded (not locked)."""
    return lock(TicketType.objects.select_related("campaign").filter(pk__in=type_ids))


def _held_seats(booking_ids: list[int]) -> dict[int, int]:
    """`{ticket_type_id: seats}` held by these bookings."""
    return dict(
        BookingItem.objects.filter(booking_id__in=booking_ids)
        .values_list("ticket_type_id")
        .annotate(seats=Sum("quantity"))
        .order_by()
    )


def _release_seats(booking_ids: list[int]) -> None:
    """Give back the seats of these bookings; call holding their row locks, in a transaction."""
    quantities = _held_seats(booking_ids)
    if not quantities:
        return
    ticket_types = _lock_ticket_types(quantities)
    _give_back(quantities)
    waiting_lists.waiting_lists_serve(ticket_type_ids=list(quantities))
    for campaign_id in {t.campaign_id for t in ticket_types}:
        availability_changed(campaign_id)


def _mark_expired(booking_ids: list[int], now) -> None:
    """Call holding the bookings' row locks, in the transaction that releases their seats."""
    Booking.objects.filter(pk__in=booking_ids).update(status=Booking.Status.EXPIRED, updated_at=now)
    codes.code_uses_release(booking_ids=booking_ids)
    metrics.count_on_commit(metrics.BOOKINGS, len(booking_ids), outcome="expired")


def _overdue_holds(now):
    """Pending bookings whose hold ended by `now`."""
    return Booking.objects.filter(status=Booking.Status.PENDING_PAYMENT, expires_at__lte=now)


def _overdue_holds_exist(now):
    """An expression for a top-level ticket-type query: whether an overdue hold of the type's
    campaign holds seats of it (`_overdue_holds`, in SQL: every booking request asks,
    core.sql)."""
    item, booking, ticket_type = sql.table(BookingItem), sql.table(Booking), sql.table(TicketType)
    return sql.exists(
        f"{item} INNER JOIN {booking} ON {booking}.id = {item}.booking_id "
        f"WHERE {item}.ticket_type_id = {ticket_type}.id "
        f"AND {booking}.campaign_id = {ticket_type}.campaign_id "
        f"AND {booking}.status = %s AND {booking}.expires_at <= %s",
        (Booking.Status.PENDING_PAYMENT, sql.moment(now)),
    )


def _expire_overdue_holds_of(*, campaign_id: int, type_ids, now) -> dict[int, int]:
    """Expire the campaign's overdue holds on these types; `{ticket_type_id: seats}` they held.

    Locks the bookings in id order and waits for ones another transaction has locked (it is
    expiring, cancelling or confirming them; afterwards they no longer match), so no overdue
    hold is skipped. Call before locking any ticket type, then lock the types of the result
    together with your own and give the seats back under those locks.
    """
    booking_ids = lock(
        _overdue_holds(now)
        .filter(
            campaign_id=campaign_id,
            pk__in=BookingItem.objects.filter(ticket_type_id__in=type_ids).values("booking_id"),
        )
        .values_list("pk", flat=True)
    )
    if not booking_ids:
        return {}
    _mark_expired(booking_ids, now)
    logger.info("Expired %d overdue holds of campaign %s on booking", len(booking_ids), campaign_id)
    return _held_seats(booking_ids)


def _request_fingerprint(
    *,
    campaign_id: int,
    quantities: dict[int, int],
    issuance: str,
    holder_names: list[str],
    holder_emails: list[str],
    offer: str = "",
    code: str = "",
) -> str:
    request = [campaign_id, sorted(quantities.items()), issuance, holder_names]
    # Each added only when given, so that a plain request keeps the fingerprint it always had.
    request += [holder_emails] if any(holder_emails) else []
    request += [f"offer:{offer}"] if offer else []
    request += [f"code:{code}"] if code else []
    canonical = json.dumps(request, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _loaded(related_manager, objects: list):
    """A related queryset already holding `objects`, as `prefetch_related` leaves it."""
    queryset = related_manager.all()
    queryset._result_cache = objects
    queryset._prefetch_done = True
    return queryset


def _with_details(queryset):
    return queryset.select_related("campaign").prefetch_related("items", "tickets")


def _replayed_booking(*, customer: User, idempotency_key: str, fingerprint: str) -> Booking | None:
    booking = _with_details(
        Booking.objects.filter(customer=customer, idempotency_key=idempotency_key)
    ).first()
    if booking is not None and booking.request_fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    return booking


def _clean_quantities(items) -> dict[int, int]:
    """`{ticket_type_id: quantity}` in id order, refusing empty, duplicate or non-positive items."""
    if not items:
        raise _invalid("items", "Choose at least one ticket.")
    if len(items) > MAX_ITEMS_PER_BOOKING:
        raise _invalid("items", f"At most {MAX_ITEMS_PER_BOOKING} ticket types per booking.")
    quantities: dict[int, int] = {}
    for item in items:
        type_id, quantity = item["ticket_type"], item["quantity"]
        if type_id in quantities:
            raise _invalid("items", "Each ticket type may appear only once.")
        if quantity < 1:
            raise _invalid("items", "Quantities must be at least 1.")
        quantities[type_id] = quantity
    return dict(sorted(quantities.items()))


def _clean_holders(holders: list[dict], *, issuance: str, seats: int) -> tuple[list, list]:
    """`(names, emails)` of a `separate` booking's holders: one per seat, in seat order, each
    named; e-mails optional ("" for none), lower-cased."""
    if issuance != Booking.Issuance.SEPARATE:
        raise _invalid("holders", "Holders name the tickets of a separate booking.")
    if len(holders) != seats:
        raise _invalid("holders", f"Give one holder per ticket: {seats}, not {len(holders)}.")
    names = [clean_holder_name(holder["name"], field="holders") for holder in holders]
    emails = [(holder.get("email") or "").strip().lower() for holder in holders]
    return names, emails


def _check_bookable(
    *, campaign_id: int, ticket_types: list[TicketType], quantities: dict[int, int]
) -> Campaign:
    """Refuse anything but on-sale types of one on-sale campaign, within their limits."""
    found = {t.pk for t in ticket_types}
    if found != set(quantities) or any(t.campaign_id != campaign_id for t in ticket_types):
        raise _invalid("items", "Unknown ticket type for this campaign.")
    campaign = ticket_types[0].campaign
    if campaign.status == Campaign.Status.DRAFT:
        raise _invalid("campaign", "This campaign is not published.")
    if not campaign.is_on_sale:
        raise NotOnSale("This campaign is not on sale.")
    now = timezone.now()
    for ticket_type in ticket_types:
        if (ticket_type.sales_start and ticket_type.sales_start > now) or (
            ticket_type.sales_end and ticket_type.sales_end <= now
        ):
            raise NotOnSale(f"{ticket_type.name} is not on sale now.")
        if quantities[ticket_type.pk] > ticket_type.max_per_booking:
            raise _invalid(
                "items",
                f"At most {ticket_type.max_per_booking} x {ticket_type.name} per booking.",
            )
    return campaign


def _shortage(quantities: dict[int, int], remaining: dict[int, int], names: dict) -> SoldOut | None:
    """The refusal to raise when a quantity exceeds what remains, else None."""
    short = [pk for pk in quantities if remaining[pk] < quantities[pk]]
    if not short:
        return None
    return SoldOut(
        "Not enough tickets left: "
        + ", ".join(f"{names[pk]} ({remaining[pk]} left)" for pk in short)
        + ".",
        ticket_types=[{"id": pk, "name": names[pk], "remaining": remaining[pk]} for pk in short],
    )


def _types_to_book(type_ids) -> list[TicketType]:
    """The unlocked pre-check's read: the types with their campaign, in id order, and
    whether overdue holds or offers sit on them (their seats would come free)."""
    return list(
        TicketType.objects.select_related("campaign")
        .filter(pk__in=type_ids)
        .annotate(
            has_overdue_holds=_overdue_holds_exist(timezone.now()),
            has_overdue_offers=waiting_lists.overdue_offers_exist(),
        )
        .order_by("pk")
    )


def _lock_to_reserve(type_ids) -> list[tuple[int, int, int, bool]]:
    """The locked section's read: `(pk, capacity, reserved, waitlisted)` of the types, locked
    in id order."""
    return lock(
        TicketType.objects.filter(pk__in=type_ids)
        .annotate(waitlisted=waiting_lists.waiting_list_work())
        .values_list("pk", "capacity", "reserved", "waitlisted")
    )


def _give_back(seats: dict[int, int]) -> None:
    """Return `{ticket_type_id: seats}` to sale; holding the types' locks."""
    inventory.move_seats({pk: -quantity for pk, quantity in seats.items()})


def _reserve(
    *, quantities: dict[int, int], released: dict[int, int], names: dict
) -> tuple[SoldOut | None, bool]:
    """The locked section of a booking: returns the refusal (None once the seats are taken),
    and whether the waiting lists changed (to commit even with a refusal).

    Locks the types, with those of the `released` holds, in id order; gives the released
    seats back; re-checks and, if every quantity fits, reserves. Call in the transaction
    that commits the booking, which keeps the locks for two statements and the commit. A
    type with a waiting list (or an overdue offer) serves it first: free and released seats
    go to those waiting before open sale (bookings.waitlist.services).
    """
    type_ids = quantities.keys() | released.keys()
    locked = _lock_to_reserve(type_ids)
    waitlisted = [pk for pk, *_, flag in locked if flag]
    served = False
    if waitlisted:
        _give_back(released)
        released = {}
        served = waiting_lists.waiting_lists_serve(ticket_type_ids=waitlisted)
        locked = TicketType.objects.filter(pk__in=type_ids).values_list(
            "pk", "capacity", "reserved"
        )
    remaining = {
        pk: capacity - reserved + released.get(pk, 0) for pk, capacity, reserved, *_ in locked
    }
    refusal = _shortage(quantities, remaining, names)
    delta = {pk: -seats for pk, seats in released.items()}
    if refusal is None:
        for pk, quantity in quantities.items():
            delta[pk] = delta.get(pk, 0) + quantity
    inventory.move_seats(delta)
    return refusal, served


def _offer_items(offer, items: list[dict]) -> list[dict]:
    """An offer books exactly its seats: `items` may be left out, or must say the same."""
    offered = [{"ticket_type": offer.ticket_type_id, "quantity": offer.quantity}]
    if items and [dict(item) for item in items] != offered:
        raise _invalid(
            "items", f"This offer books exactly {offer.quantity} x {offer.ticket_type.name}."
        )
    return offered


def _take_offer(*, offer, booking: Booking, released: dict[int, int]) -> Conflict | None:
    """The locked section of a booking with a waiting-list offer: its seats are in `reserved`
    already, so nothing is reserved again. Locks the offer's type with those of the released
    holds, gives those back (to the waiting list first) and takes the offer; returns the
    refusal of a lapsed or used offer. Whatever it did is committed, even with a refusal."""
    lock(TicketType.objects.filter(pk__in={offer.ticket_type_id} | released.keys()).values("pk"))
    if released:
        _give_back(released)
        waiting_lists.waiting_lists_serve(ticket_type_ids=list(released))
    return waiting_lists.offer_take(offer_id=offer.pk, booking_id=booking.pk)


def _issue_tickets(booking: Booking) -> list[Ticket]:
    """Create the tickets of a booking being confirmed: one per item, or one per seat."""
    names = list(booking.holder_names)
    emails = list(booking.holder_emails)
    tickets = []
    for item in booking.items.select_related("ticket_type"):
        scans = item.ticket_type.scans_allowed
        if booking.issuance == Booking.Issuance.SINGLE:
            holder = names[0] if names else booking.customer.name
            tickets.append(
                Ticket(
                    booking=booking,
                    ticket_type=item.ticket_type,
                    holder_name=holder,
                    admits=item.quantity,
                    scans_allowed=scans * item.quantity,
                )
            )
        else:
            for _ in range(item.quantity):
                tickets.append(
                    Ticket(
                        booking=booking,
                        ticket_type=item.ticket_type,
                        holder_name=names.pop(0) if names else "",
                        holder_email=emails.pop(0) if emails else "",
                        admits=1,
                        scans_allowed=scans,
                    )
                )
    return issued_tickets.tickets_assign_tokens(
        Ticket.objects.bulk_create(tickets), campaign_id=booking.campaign_id
    )


# --- Holds --------------------------------------------------------------------------------


def booking_create(
    *,
    customer: User,
    campaign_id: int,
    items: list[dict],
    issuance: str,
    holder_names: list[str] | None = None,
    holders: list[dict] | None = None,
    idempotency_key: str = "",
    offer: str = "",
    code: str = "",
) -> Booking:
    """Hold seats for `customer` as a PENDING_PAYMENT booking, or refuse and hold nothing.

    `items` is `[{"ticket_type": id, "quantity": n}]`. A `separate` booking may name its
    tickets' `holders` (`[{"name", "email"}]`, one per seat, e-mail optional) or, as before,
    give some `holder_names` only. Everything that needs no lock runs
    first (checks, prices, an early sold-out answer, the booking rows), so the ticket-type
    rows stay locked for two statements and the commit only. Overdue holds on the types are
    released in the same transaction, under the same ticket-type locks, and stay released
    even when the request is refused; the read that finds them is the one that loads the
    types, so a request with nothing overdue costs no extra query. A repeated
    `idempotency_key` with the same request returns the first booking; concurrent repeats
    meet the unique constraint, roll back, and return the winner's booking. The result has
    its items and tickets loaded. With `offer` (a waiting-list offer's token) it books exactly
    the offered seats, already reserved for it, until the offer lapses.

    `code` (promo or access, any case) is checked before the transaction and its use taken
    under its lock after the seats (InvalidCode, 422, refuses and changes nothing); hidden
    types need the code that names them. A booking whose total comes to zero is confirmed
    at once, with its tickets: there is nothing to pay.
    """
    taken = waiting_lists.offer_of_customer(token=offer, customer=customer) if offer else None
    if taken is not None:
        items = _offer_items(taken, items)
    quantities = _clean_quantities(items)
    if issuance not in Booking.Issuance.values:
        raise _invalid("issuance", "Choose single or separate.")
    seats = sum(quantities.values())
    if holders is not None and holder_names:
        raise _invalid("holders", "Send holders or holder_names, not both.")
    if holders is not None:
        holder_names, holder_emails = _clean_holders(holders, issuance=issuance, seats=seats)
    else:
        holder_names, holder_emails = [name.strip() for name in holder_names or []], []
    if len(holder_names) > seats:
        raise _invalid("holder_names", f"At most {seats} holder names for {seats} seats.")
    code = code.strip()
    fingerprint = _request_fingerprint(
        campaign_id=campaign_id,
        quantities=quantities,
        issuance=issuance,
        holder_names=holder_names,
        holder_emails=holder_emails,
        offer=offer,
        code=code.upper(),
    )
    if idempotency_key:
        replayed = _replayed_booking(
            customer=customer, idempotency_key=idempotency_key, fingerprint=fingerprint
        )
        if replayed is not None:
            return replayed
    if taken is not None and (closed := waiting_lists.offer_closed(taken)):
        raise closed
    ticket_types = _types_to_book(quantities)
    campaign = _check_bookable(
        campaign_id=campaign_id, ticket_types=ticket_types, quantities=quantities
    )
    applied = codes.code_check_for_booking(
        campaign_id=campaign.pk, code=code, ticket_types=ticket_types, quantities=quantities
    )
    discounts = applied.discounts if applied else {}
    names = {t.pk: t.name for t in ticket_types}
    # Unlocked pre-check: once sold out, refusals never queue for the lock. A type whose
    # overdue holds or offers would free seats is decided under the lock, after releasing them.
    overdue = {t.pk for t in ticket_types if t.has_overdue_holds}
    freeing = overdue | {t.pk for t in ticket_types if t.has_overdue_offers}
    early_refusal = (
        None
        if taken
        else _shortage(
            {pk: quantity for pk, quantity in quantities.items() if pk not in freeing},
            {t.pk: t.remaining for t in ticket_types},
            names,
        )
    )
    if early_refusal:
        metrics.BOOKINGS.labels(outcome="sold_out").inc()
        raise early_refusal
    try:
        with transaction.atomic(durable=True):
            booking = Booking.objects.create(
                customer=customer,
                campaign=campaign,
                issuance=issuance,
                holder_names=holder_names,
                holder_emails=holder_emails,
                total=to_money(sum(t.price * quantities[t.pk] for t in ticket_types))
                - (applied.discount if applied else 0),
                discount=applied.discount if applied else 0,
                currency=campaign.currency,
                expires_at=timezone.now() + timedelta(seconds=settings.BOOKING_HOLD_SECONDS),
                idempotency_key=idempotency_key,
                request_fingerprint=fingerprint,
            )
            booking_items = BookingItem.objects.bulk_create(
                BookingItem(
                    booking=booking,
                    ticket_type=t,
                    quantity=quantities[t.pk],
                    unit_price=t.price,
                    discount=discounts.get(t.pk, 0),
                )
                for t in ticket_types
            )
            released = (
                _expire_overdue_holds_of(
                    campaign_id=campaign.pk, type_ids=list(quantities), now=timezone.now()
                )
                if overdue
                else {}
            )
            if taken is not None:
                refusal, served = _take_offer(offer=taken, booking=booking, released=released), True
            else:
                refusal, served = _reserve(quantities=quantities, released=released, names=names)
            if refusal:
                if isinstance(refusal, SoldOut):
                    metrics.BOOKINGS.labels(outcome="sold_out").inc()
                if not (released or served):
                    raise refusal
                # Released holds and waiting-list offers stay: drop only this request's rows.
                booking.delete()
            else:
                if applied:
                    # Refused when used up: the whole transaction rolls back, overdue holds
                    # included (the expiry job releases those).
                    codes.code_use_take(
                        promo_id=applied.promo.pk, booking_id=booking.pk, customer_id=customer.pk
                    )
                metrics.count_on_commit(metrics.BOOKINGS, outcome="created")
            availability_changed(campaign.pk)
        if refusal:
            raise refusal
    except IntegrityError:
        if not idempotency_key:
            raise
        replayed = _replayed_booking(
            customer=customer, idempotency_key=idempotency_key, fingerprint=fingerprint
        )
        if replayed is None:
            raise
        return replayed
    if booking.total == 0:
        confirm_booking(booking_id=booking.pk, source="free")
        return _with_details(Booking.objects).get(pk=booking.pk)
    # Render the answer from memory instead of querying back what was just written.
    booking._prefetched_objects_cache = {
        "items": _loaded(booking.items, booking_items),
        "tickets": _loaded(booking.tickets, []),
    }
    return booking


def booking_cancel(*, booking_id: int, customer: User) -> Booking:
    """The customer gives up a pending hold; its seats return to sale at once."""
    with transaction.atomic():
        booking = lock_one(Booking.objects, pk=booking_id)
        if booking.customer_id != customer.pk:
            raise NotPermitted("This is not your booking.")
        if booking.status != Booking.Status.PENDING_PAYMENT:
            raise InvalidTransition(
                f"Only a pending booking can be cancelled; this one is {booking.status}."
            )
        _release_seats([booking.pk])
        codes.code_uses_release(booking_ids=[booking.pk])
        booking.status = Booking.Status.CANCELLED
        booking.cancelled_at = timezone.now()
        booking.save(update_fields=["status", "cancelled_at", "updated_at"])
        metrics.count_on_commit(metrics.BOOKINGS, outcome="cancelled")
    return booking


def expire_overdue_holds(*, limit: int = EXPIRY_BATCH) -> int:
    """Expire up to `limit` overdue pending bookings and release their seats; returns how many.

    `skip_locked` lets several workers run at once: each takes different bookings, and a
    booking being confirmed right now is left to its confirmation.
    """
    now = timezone.now()
    with transaction.atomic(durable=True):
        booking_ids = lock(
            _overdue_holds(now).values_list("pk", flat=True), limit=limit, skip_locked=True
        )
        if not booking_ids:
            return 0
        _release_seats(booking_ids)
        _mark_expired(booking_ids, now)
    logger.info("Expired %d holds", len(booking_ids))
    return len(booking_ids)


def expire_all_overdue_holds() -> int:
    """Expire every overdue hold, batch by batch; what the beat job and the command run."""
    total = 0
    while expired := expire_overdue_holds():
        total += expired
        if expired < EXPIRY_BATCH:
            break
    return total


# --- Confirmation ---------------------------------------------------------------------------


def confirm_booking(*, booking_id: int, source: str, actor: User | None = None) -> ConfirmResult:
    """Turn a paid booking into CONFIRMED with its tickets, exactly once.

    For the payments app, after it verified the payment. `source` says who reported it
    (webhook, redirect, reconciliation). A booking whose hold already ended takes its seats
    again if they are free; otherwise, or when the campaign is no longer on sale, the result
    is NEEDS_REFUND and nothing changes but the release of a hold the campaign no longer
    honours: the caller refunds the payment (rule 3).
    """
    with transaction.atomic():
        booking = lock_one(Booking.objects.select_related("campaign", "customer"), pk=booking_id)
        if booking.status == Booking.Status.CONFIRMED:
            return ConfirmResult(ConfirmOutcome.ALREADY_CONFIRMED, booking)
        if booking.status == Booking.Status.REFUNDED:
            return ConfirmResult(ConfirmOutcome.NEEDS_REFUND, booking)
        if booking.campaign.status == Campaign.Status.CANCELLED:
            if booking.status == Booking.Status.PENDING_PAYMENT:
                _release_seats([booking.pk])
                codes.code_uses_release(booking_ids=[booking.pk])
                booking.status = Booking.Status.CANCELLED
                booking.cancelled_at = timezone.now()
                booking.save(update_fields=["status", "cancelled_at", "updated_at"])
                metrics.count_on_commit(metrics.BOOKINGS, outcome="cancelled")
            return ConfirmResult(ConfirmOutcome.NEEDS_REFUND, booking)
        if booking.status != Booking.Status.PENDING_PAYMENT and not _reserve_again(booking):
            return ConfirmResult(ConfirmOutcome.NEEDS_REFUND, booking)
        booking.status = Booking.Status.CONFIRMED
        booking.confirmed_at = timezone.now()
        booking.confirmed_via = source
        booking.confirmed_by = actor
        booking.save(
            update_fields=["status", "confirmed_at", "confirmed_via", "confirmed_by", "updated_at"]
        )
        _issue_tickets(booking)
        # The PDF and the e-mail; `manage.py resend_tickets` if the broker lost the message.
        enqueue_on_commit(issued_tickets.booking_tickets_email, booking_id=booking.pk)
        metrics.count_on_commit(metrics.BOOKINGS, outcome="confirmed")
    return ConfirmResult(ConfirmOutcome.CONFIRMED, booking)


def _reserve_again(booking: Booking) -> bool:
    """Take the seats of an expired or cancelled booking back if all are still free, the
    campaign still sells in the currency the booking was priced in (it may change once no
    seat is held), and its code, if any, still has a use left for it."""
    quantities = dict(
        booking.items.order_by("ticket_type_id").values_list("ticket_type_id", "quantity")
    )
    ticket_types = _lock_ticket_types(quantities)
    if waiting_lists.waiting_lists_serve(ticket_type_ids=list(quantities)):
        # The waiting list took free seats first: decide on what is left.
        ticket_types = list(TicketType.objects.filter(pk__in=quantities).select_related("campaign"))
    if (
        not booking.campaign.is_on_sale
        or ticket_types[0].campaign.currency != booking.currency
        or any(t.remaining < quantities[t.pk] for t in ticket_types)
        or not codes.code_use_take_again(booking_id=booking.pk)
    ):
        return False
    inventory.move_seats(quantities)
    availability_changed(booking.campaign_id)
    return True


# --- Refunds --------------------------------------------------------------------------------


def booking_mark_refunded(*, booking_id: int, actor: User | None) -> Booking:
    """Record that a confirmed booking's money went back: void its tickets, free its seats.

    For the payments app, after the gateway accepted the refund; no gateway call happens
    here. Marking an already refunded booking again changes nothing.
    """
    with transaction.atomic():
        booking = lock_one(Booking.objects, pk=booking_id)
        if booking.status == Booking.Status.REFUNDED:
            return booking
        if booking.status != Booking.Status.CONFIRMED:
            raise InvalidTransition(
                f"Only a confirmed booking can be refunded; this one is {booking.status}."
            )
        booking.tickets.update(status=Ticket.Status.VOID)
        _release_seats([booking.pk])
        # The code's use stays taken unless its seller chose `release_on_refund`.
        codes.code_uses_release(booking_ids=[booking.pk], refunded=True)
        booking.status = Booking.Status.REFUNDED
        booking.refunded_at = timezone.now()
        booking.save(update_fields=["status", "refunded_at", "updated_at"])
        metrics.count_on_commit(metrics.BOOKINGS, outcome="refunded")
        audit_event_record(
            actor=actor,
            action="booking.refunded",
            target=booking,
            metadata={"total": str(booking.total), "currency": booking.currency},
        )
    return booking


def campaign_bookings_settle_cancellation(*, campaign_id: int) -> dict[str, int]:
    """After a campaign is cancelled: cancel its holds and mark its paid bookings as owed.

    Pending holds are cancelled and their seats released. Confirmed bookings are stamped
    `refund_requested_at`: `selectors.booking_ids_owed_refund` lists them for the payments
    app, which refunds them through the gateway and then calls `booking_mark_refunded`.
    Safe to run again: settled bookings are skipped.
    """
    campaign = Campaign.objects.get(pk=campaign_id)
    if campaign.status != Campaign.Status.CANCELLED:
        logger.warning(
            "Campaign %s is %s, not cancelled: nothing to settle", campaign_id, campaign.status
        )
        return {"holds_cancelled": 0, "refunds_requested": 0}
    holds_cancelled = 0
    while True:
        with transaction.atomic(durable=True):
            # No skip_locked: wait for a confirmation in flight, so its booking is seen below.
            booking_ids = lock(
                Booking.objects.filter(
                    campaign_id=campaign_id, status=Booking.Status.PENDING_PAYMENT
                ).values_list("pk", flat=True),
                limit=EXPIRY_BATCH,
            )
            if not booking_ids:
                break
            _release_seats(booking_ids)
            codes.code_uses_release(booking_ids=booking_ids)
            Booking.objects.filter(pk__in=booking_ids).update(
                status=Booking.Status.CANCELLED,
                cancelled_at=timezone.now(),
                updated_at=timezone.now(),
            )
            metrics.count_on_commit(metrics.BOOKINGS, len(booking_ids), outcome="cancelled")
        holds_cancelled += len(booking_ids)
    paid = Booking.objects.filter(campaign_id=campaign_id, status=Booking.Status.CONFIRMED)
    paid.filter(refund_requested_at__isnull=True).update(
        refund_requested_at=timezone.now(), updated_at=timezone.now()
    )
    return {"holds_cancelled": holds_cancelled, "refunds_requested": paid.count()}
