"""Moving seats in and out of `TicketType.reserved`, for the booking and waiting-list
services: one UPDATE for every type of a change. Call holding the types' row locks (lock
order: bookings.services)."""

from django.db.models import Case, F, IntegerField, Value, When

from campaigns.models import TicketType


def move_seats(seats: dict[int, int]) -> None:
    """Add `seats[pk]` to each type's `reserved` (negative gives seats back)."""
    if seats:
        TicketType.objects.filter(pk__in=seats).update(reserved=F("reserved") + _per_type(seats))


def _per_type(seats: dict[int, int]) -> Case | Value:
    """The seats to add in an update of exactly these types. One type, as most bookings
    have, needs no CASE (a booking request's hot path, README, Benchmarks)."""
    if len(seats) == 1:
        return Value(next(iter(seats.values())))
    return Case(
        *(When(pk=pk, then=Value(quantity)) for pk, quantity in seats.items()),
        default=Value(0),
        output_field=IntegerField(),
    )
