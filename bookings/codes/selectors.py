"""Reads of promo and access codes for the seller's API and pages: each code with its usage."""

from collections.abc import Iterator

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404

from accounts.models import User
from bookings.models import Booking
from campaigns.models import PromoCode

CSV_BATCH = 500
CSV_COLUMNS = [
    "code",
    "kind",
    "value",
    "ticket_types",
    "max_uses",
    "max_uses_per_customer",
    "valid_from",
    "valid_until",
    "min_quantity",
    "active",
    "uses",
]


def codes_with_usage(*, campaign_id: int) -> QuerySet:
    """The campaign's codes, newest first, each with `uses_count` (uses that count against its
    limits), `released_count` (given back) and `discount_given` (on its paid bookings)."""
    return (
        PromoCode.objects.filter(campaign_id=campaign_id)
        .annotate(
            uses_count=Count("uses", filter=Q(uses__released_at__isnull=True)),
            released_count=Count("uses", filter=Q(uses__released_at__isnull=False)),
            discount_given=Sum(
                "uses__booking__discount",
                filter=Q(uses__booking__status=Booking.Status.CONFIRMED),
            ),
        )
        .prefetch_related("ticket_types")
        .order_by("-created_at", "-id")
    )


def code_get_owned(*, code_id: int, user: User) -> PromoCode:
    """The code with its usage if `user` sells its campaign; Http404 for anyone else, so
    codes of other sellers cannot be found by id."""
    promo = (
        PromoCode.objects.filter(pk=code_id, campaign__seller_id=user.pk)
        .select_related("campaign")
        .first()
    )
    if promo is None:
        raise Http404("No such code of yours.")
    return codes_with_usage(campaign_id=promo.campaign_id).get(pk=promo.pk)


def codes_csv_rows(*, campaign_id: int) -> Iterator[list[list]]:
    """The codes of a campaign as CSV rows (CSV_COLUMNS), in batches of CSV_BATCH."""
    codes = codes_with_usage(campaign_id=campaign_id)
    batch = []
    for promo in codes.iterator(chunk_size=CSV_BATCH):
        batch.append(
            [
                promo.code,
                promo.kind,
                promo.value,
                " ".join(str(t.pk) for t in promo.ticket_types.all()),
                promo.max_uses,
                promo.max_uses_per_customer,
                promo.valid_from.isoformat() if promo.valid_from else "",
                promo.valid_until.isoformat() if promo.valid_until else "",
                promo.min_quantity,
                promo.active,
                promo.uses_count,
            ]
        )
        if len(batch) == CSV_BATCH:
            yield batch
            batch = []
    if batch:
        yield batch
