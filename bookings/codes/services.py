"""Every write of promo and access codes: the seller's create, batch, edit and deactivate;
and, for bookings.services, the checks, discounts and uses of a code at booking.

Lock order (bookings.services): booking rows, then ticket-type rows, then code rows, each in
id order. A use is taken only holding the code's row lock, after the ticket-type locks, and
the limits are counted from the active uses under that lock, so 50 customers racing for a
10-use code get exactly 10. A use is released (expiry, cancellation, an opted-in refund) by
marking it, under the booking's lock only: releasing never takes the code's lock, so it
fits every release path of bookings.services wherever that path stands in the lock order.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import audit_event_record
from bookings.models import Booking, PromoCodeUse
from campaigns.models import (
    CODE_MAX_LENGTH,
    Campaign,
    PromoCode,
    TicketType,
    new_code,
    normalise_code,
)
from core.errors import Conflict, Invalid, Unprocessable
from core.locking import lock, lock_one
from core.money import to_money

MAX_BATCH = 500
CODE_MIN_LENGTH = 3
CODE_CHARACTERS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
HUNDRED = Decimal(100)


class InvalidCode(Unprocessable):
    """Any refusal of a code at booking: the detail says which rule refused it."""

    code = "invalid_code"
    default_detail = "This code is not valid."


class CodeTaken(Conflict):
    code = "code_taken"
    default_detail = "This campaign already has that code."


def _invalid(field: str, message: str) -> Invalid:
    return Invalid(message, fields={field: [message]})


# --- The seller's side ----------------------------------------------------------------------

CODE_FIELDS = (
    "kind",
    "value",
    "max_uses",
    "max_uses_per_customer",
    "valid_from",
    "valid_until",
    "min_quantity",
    "release_on_refund",
    "active",
)


def _clean_text(text: str) -> str:
    code = normalise_code(text)
    if not CODE_MIN_LENGTH <= len(code) <= CODE_MAX_LENGTH or not set(code) <= CODE_CHARACTERS:
        raise _invalid(
            "code",
            f"Use {CODE_MIN_LENGTH} to {CODE_MAX_LENGTH} letters, digits, '-' or '_'.",
        )
    return code


def _check_rules(*, campaign: Campaign, values: dict, types: list[TicketType]) -> None:
    """The rules of a code's settings, on the values it would have after the change."""
    kind, value = values["kind"], values["value"]
    if kind == PromoCode.Kind.PERCENT and not 0 < value <= HUNDRED:
        raise _invalid("value", "A percentage is more than 0 and at most 100.")
    if kind == PromoCode.Kind.FIXED and value <= 0:
        raise _invalid("value", f"Give the amount off each ticket, in {campaign.currency}.")
    if kind == PromoCode.Kind.ACCESS and value != 0:
        raise _invalid(
            "value",
            "An access code takes no value; use percent or fixed with a "
            "hidden type among its ticket types for an access code with a discount.",
        )
    if kind == PromoCode.Kind.ACCESS and not any(t.hidden for t in types):
        raise _invalid("ticket_types", "An access code names the hidden ticket types it unlocks.")
    if (
        values["valid_from"]
        and values["valid_until"]
        and values["valid_from"] >= values["valid_until"]
    ):
        raise _invalid("valid_until", "The end of the validity comes after its start.")


def _ticket_types(campaign: Campaign, type_ids) -> list[TicketType]:
    types = list(TicketType.objects.filter(campaign=campaign, pk__in=set(type_ids)))
    if len(types) != len(set(type_ids)):
        raise _invalid("ticket_types", "Unknown ticket type for this campaign.")
    return types


def promo_codes_create(
    *,
    campaign: Campaign,
    actor: User,
    kind: str,
    value: Decimal = Decimal(0),
    code: str = "",
    count: int | None = None,
    ticket_types: list[int] = (),
    max_uses: int | None = None,
    max_uses_per_customer: int | None = None,
    valid_from=None,
    valid_until=None,
    min_quantity: int = 1,
    release_on_refund: bool = False,
) -> list[PromoCode]:
    """One code (`code`, or generated), or `count` generated codes with the same settings.

    The caller has checked that `actor` owns `campaign`. Generated codes come from a
    cryptographic source in an unambiguous alphabet and are unique in the campaign.
    """
    if code and count is not None:
        raise _invalid("count", "Give either a code or a count of codes to generate.")
    if count is not None and not 1 <= count <= MAX_BATCH:
        raise _invalid("count", f"Generate 1 to {MAX_BATCH} codes at a time.")
    values = {
        "kind": kind,
        "value": to_money(value),
        "max_uses": max_uses,
        "max_uses_per_customer": max_uses_per_customer,
        "valid_from": valid_from,
        "valid_until": valid_until,
        "min_quantity": min_quantity,
        "release_on_refund": release_on_refund,
    }
    types = _ticket_types(campaign, ticket_types)
    _check_rules(campaign=campaign, values=values, types=types)
    texts = [_clean_text(code)] if code else _fresh_codes(campaign, count or 1)
    try:
        with transaction.atomic():
            codes = PromoCode.objects.bulk_create(
                PromoCode(campaign=campaign, code=text, **values) for text in texts
            )
            PromoCode.ticket_types.through.objects.bulk_create(
                PromoCode.ticket_types.through(promocode_id=promo.pk, tickettype_id=t.pk)
                for promo in codes
                for t in types
            )
            audit_event_record(
                actor=actor,
                action="promo_code.created",
                target=campaign,
                metadata={"codes": len(codes), "kind": kind},
            )
    except IntegrityError as exc:
        # A chosen code that exists; generated ones collide once in 10**17 tries.
        raise CodeTaken(f"This campaign already has the code {texts[0]}.") from exc
    return codes


def _fresh_codes(campaign: Campaign, count: int) -> list[str]:
    """`count` generated codes, none already in the campaign."""
    texts: set[str] = set()
    while len(texts) < count:
        candidates = {new_code() for _ in range(count - len(texts))}
        taken = set(
            PromoCode.objects.filter(campaign=campaign, code__in=candidates).values_list(
                "code", flat=True
            )
        )
        texts |= candidates - taken
    return sorted(texts)


def promo_code_update(*, promo: PromoCode, actor: User, changes: dict) -> PromoCode:
    """Change a code's settings (not its text); uses already taken stay taken.

    `changes` may hold CODE_FIELDS and `ticket_types` (ids). The caller has checked that
    `actor` owns the code's campaign.
    """
    with transaction.atomic():
        promo = lock_one(PromoCode.objects.select_related("campaign"), pk=promo.pk)
        values = {name: changes.get(name, getattr(promo, name)) for name in CODE_FIELDS}
        values["value"] = to_money(values["value"])
        type_ids = changes.get("ticket_types")
        types = (
            _ticket_types(promo.campaign, type_ids)
            if type_ids is not None
            else list(promo.ticket_types.all())
        )
        _check_rules(campaign=promo.campaign, values=values, types=types)
        for name, value in values.items():
            setattr(promo, name, value)
        promo.save()
        if type_ids is not None:
            promo.ticket_types.set(types)
        audit_event_record(
            actor=actor,
            action="promo_code.changed",
            target=promo.campaign,
            metadata={"code": promo.code, "fields": sorted(changes)},
        )
    return promo


def promo_code_deactivate(*, promo: PromoCode, actor: User) -> PromoCode:
    """Stop a code being used from now on; its uses and their bookings stay as they are."""
    return promo_code_update(promo=promo, actor=actor, changes={"active": False})


# --- At booking (for bookings.services) -----------------------------------------------------


@dataclass(frozen=True)
class CodeApplied:
    """A code that passed the checks needing no lock, and what it takes off each line."""

    promo: PromoCode
    discounts: dict[int, Decimal]  # ticket type id -> off the line

    @property
    def discount(self) -> Decimal:
        return sum(self.discounts.values(), Decimal(0))


def _line_discount(promo: PromoCode, ticket_type: TicketType, quantity: int) -> Decimal:
    """What the code takes off a line, never more than the line (prices floor at zero)."""
    line = ticket_type.price * quantity
    if promo.kind == PromoCode.Kind.PERCENT:
        return min(line, to_money(line * promo.value / HUNDRED))
    if promo.kind == PromoCode.Kind.FIXED:
        return to_money(min(promo.value, ticket_type.price) * quantity)
    return Decimal(0)


def code_check_for_booking(
    *, campaign_id: int, code: str, ticket_types: list[TicketType], quantities: dict[int, int]
) -> CodeApplied | None:
    """Refuse a code (or a hidden type without its code) with InvalidCode, or return what
    the code takes off each line. Every check that needs no lock runs here, before the
    booking's transaction, so a refusal holds and records nothing. The limits are checked
    once here without the lock (an early answer) and again under it (`code_use_take`).
    """
    promo = None
    if code:
        promo = (
            PromoCode.objects.filter(campaign_id=campaign_id, code=normalise_code(code))
            .prefetch_related("ticket_types")
            .first()
        )
        if promo is None:
            raise InvalidCode("There is no such code for this campaign.")
    named = {t.pk for t in promo.ticket_types.all()} if promo else set()
    locked_out = [t.name for t in ticket_types if t.hidden and t.pk not in named]
    if locked_out:
        raise InvalidCode(f"{', '.join(locked_out)}: book with the code that unlocks it.")
    if promo is None:
        return None
    now = timezone.now()
    if not promo.active:
        raise InvalidCode("This code is no longer active.")
    if promo.valid_from and promo.valid_from > now:
        raise InvalidCode("This code is not valid yet.")
    if promo.valid_until and promo.valid_until <= now:
        raise InvalidCode("This code has expired.")
    applies = [t for t in ticket_types if not named or t.pk in named]
    if not applies:
        raise InvalidCode("This code does not apply to the tickets chosen.")
    seats = sum(quantities[t.pk] for t in applies)
    if seats < promo.min_quantity:
        raise InvalidCode(f"This code needs at least {promo.min_quantity} of its tickets.")
    # Early answer, without the lock: uses of overdue holds do not count here, as the
    # booking may release them; under the lock every active use counts.
    unexpired = _active_uses(promo).exclude(
        booking__status=Booking.Status.PENDING_PAYMENT, booking__expires_at__lte=now
    )
    if promo.max_uses is not None and unexpired.count() >= promo.max_uses:
        raise InvalidCode("This code has been used up.")
    return CodeApplied(
        promo=promo, discounts={t.pk: _line_discount(promo, t, quantities[t.pk]) for t in applies}
    )


def _active_uses(promo: PromoCode):
    return PromoCodeUse.objects.filter(code=promo, released_at__isnull=True)


def _check_limits(promo: PromoCode, customer_id: int) -> None:
    """Call holding the code's row lock: the counts cannot grow until the lock is let go."""
    uses = _active_uses(promo)
    if promo.max_uses is not None and uses.count() >= promo.max_uses:
        raise InvalidCode("This code has been used up.")
    if (
        promo.max_uses_per_customer is not None
        and uses.filter(customer_id=customer_id).count() >= promo.max_uses_per_customer
    ):
        raise InvalidCode("You have used this code as many times as it allows.")


def code_use_take(*, promo_id: int, booking_id: int, customer_id: int) -> PromoCodeUse:
    """Record a booking's use of a code, or refuse with InvalidCode when a limit is reached.

    Call in the booking's transaction, holding its ticket-type locks (the lock order); the
    code's row lock taken here is kept until that transaction ends.
    """
    (promo,) = lock(PromoCode.objects.filter(pk=promo_id))
    _check_limits(promo, customer_id)
    return PromoCodeUse.objects.create(code=promo, booking_id=booking_id, customer_id=customer_id)


def code_use_take_again(*, booking_id: int) -> bool:
    """For a booking whose hold ended and that is paid after all: take its released use
    again if the code's limits still allow; False if they do not (the caller refunds).

    Call holding the booking's lock and its ticket-type locks. Deactivation or the end of
    the validity does not refuse it: the customer accepted the price while the code held.
    """
    use = PromoCodeUse.objects.filter(booking_id=booking_id, released_at__isnull=False).first()
    if use is None:
        return True
    (promo,) = lock(PromoCode.objects.filter(pk=use.code_id))
    try:
        _check_limits(promo, use.customer_id)
    except InvalidCode:
        return False
    PromoCodeUse.objects.filter(pk=use.pk).update(released_at=None)
    return True


def code_uses_release(*, booking_ids: list[int], refunded: bool = False) -> int:
    """Give back the code uses of these bookings (expired, cancelled, or refunded where the
    code says a refund gives it back); returns how many. Call holding the bookings' locks."""
    uses = PromoCodeUse.objects.filter(booking_id__in=booking_ids, released_at__isnull=True)
    if refunded:
        uses = uses.filter(code__release_on_refund=True)
    return uses.update(released_at=timezone.now())
