"""Campaign analytics: view counters in Redis, and sales figures read from the bookings app.

Campaigns sit below bookings (apps depend downwards only), so sales are read through
`apps.get_model("bookings", ...)`, resolved when asked: before the bookings app has its models
every sales figure is zero. Fields relied on: Booking(campaign, status, total, confirmed_at)
and BookingItem(booking -> "items", ticket_type, quantity, unit_price). Only CONFIRMED
bookings count as sales; refunded ones no longer do.
"""

from collections import defaultdict
from datetime import date
from decimal import Decimal
from functools import lru_cache

import redis
from django.apps import apps
from django.conf import settings
from django.db.models import Count, DecimalField, ExpressionWrapper, F, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from campaigns.models import Campaign, CampaignDailyViews
from core.money import DECIMAL_PLACES, MAX_DIGITS, to_money

VIEWS_KEY_PREFIX = "campaigns:views:"
# The counters touched since the last fold, so the fold never scans the keyspace.
VIEWS_PENDING_KEY = "campaigns:views:pending"
FOLD_BATCH = 1000
CONFIRMED = "confirmed"


@lru_cache(maxsize=2)
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)


def _redis() -> redis.Redis:
    return _client(settings.REDIS_URL)


def _views_key(campaign_id: int, day: date) -> str:
    return f"{VIEWS_KEY_PREFIX}{campaign_id}:{day.isoformat()}"


def view_counter_incr(campaign_id: int) -> None:
    """INCR today's counter of the campaign and mark it pending, atomically (MULTI)."""
    key = _views_key(campaign_id, timezone.now().date())
    pipe = _redis().pipeline(transaction=True)
    pipe.incr(key)
    pipe.sadd(VIEWS_PENDING_KEY, key)
    pipe.execute()


def view_counts_take() -> list[tuple[int, date, int]]:
    """Take (GETDEL) up to FOLD_BATCH pending counters: `[(campaign_id, day, views)]`."""
    client = _redis()
    taken = []
    for raw_key in client.spop(VIEWS_PENDING_KEY, FOLD_BATCH) or []:
        key = raw_key.decode()
        value = client.getdel(key)
        if value is None:
            # Re-marked by a view after an earlier fold had already taken this counter.
            continue
        campaign_id, day = key.removeprefix(VIEWS_KEY_PREFIX).split(":")
        taken.append((int(campaign_id), date.fromisoformat(day), int(value)))
    return taken


def view_counts_restore(taken: list[tuple[int, date, int]]) -> None:
    """Put counts taken by `view_counts_take` back, for a fold that could not save them."""
    pipe = _redis().pipeline(transaction=True)
    for campaign_id, day, views in taken:
        key = _views_key(campaign_id, day)
        pipe.incrby(key, views)
        pipe.sadd(VIEWS_PENDING_KEY, key)
    pipe.execute()


def _booking_models():
    """(Booking, BookingItem), or None while the bookings app has no such models."""
    try:
        return apps.get_model("bookings", "Booking"), apps.get_model("bookings", "BookingItem")
    except LookupError:
        return None


def campaign_has_bookings(campaign_id: int) -> bool:
    """Whether any booking, in any status, was ever made for the campaign."""
    models = _booking_models()
    return models is not None and models[0].objects.filter(campaign_id=campaign_id).exists()


def _money(value) -> str:
    return str(to_money(value or 0))


def campaign_analytics(*, campaign: Campaign) -> dict:
    """Views, confirmed bookings, tickets sold and revenue, in total, per type and per day."""
    ticket_types = list(campaign.ticket_types.all())
    per_type = {
        ticket_type.pk: {"tickets_sold": 0, "revenue": Decimal(0)} for ticket_type in ticket_types
    }
    days = defaultdict(
        lambda: {"views": 0, "bookings": 0, "tickets_sold": 0, "revenue": Decimal(0)}
    )
    for day, views in CampaignDailyViews.objects.filter(campaign=campaign).values_list(
        "day", "views"
    ):
        days[day]["views"] = views
    bookings = 0
    revenue = Decimal(0)
    models = _booking_models()
    if models is not None:
        booking_model, item_model = models
        confirmed = booking_model.objects.filter(campaign_id=campaign.pk, status=CONFIRMED)
        for row in (
            confirmed.annotate(day=TruncDate("confirmed_at"))
            .values("day")
            .annotate(count=Count("pk"), revenue=Sum("total"))
        ):
            days[row["day"]]["bookings"] = row["count"]
            days[row["day"]]["revenue"] = row["revenue"] or Decimal(0)
            bookings += row["count"]
            revenue += row["revenue"] or Decimal(0)
        items = item_model.objects.filter(
            booking__campaign_id=campaign.pk, booking__status=CONFIRMED
        )
        line_total = ExpressionWrapper(
            F("quantity") * F("unit_price"),
            output_field=DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES),
        )
        for row in items.values("ticket_type").annotate(
            tickets=Sum("quantity"), revenue=Sum(line_total)
        ):
            if row["ticket_type"] in per_type:
                per_type[row["ticket_type"]] = {
                    "tickets_sold": row["tickets"],
                    "revenue": row["revenue"] or Decimal(0),
                }
        for row in (
            items.annotate(day=TruncDate("booking__confirmed_at"))
            .values("day")
            .annotate(tickets=Sum("quantity"))
        ):
            days[row["day"]]["tickets_sold"] = row["tickets"]
    return {
        "campaign": campaign.pk,
        "currency": campaign.currency,
        "views": campaign.views_count,
        "bookings": bookings,
        "tickets_sold": sum(figures["tickets_sold"] for figures in per_type.values()),
        "revenue": _money(revenue),
        "ticket_types": [
            {
                "id": ticket_type.pk,
                "name": ticket_type.name,
                "capacity": ticket_type.capacity,
                "reserved": ticket_type.reserved,
                "remaining": ticket_type.remaining,
                "tickets_sold": per_type[ticket_type.pk]["tickets_sold"],
                "revenue": _money(per_type[ticket_type.pk]["revenue"]),
            }
            for ticket_type in ticket_types
        ],
        "days": [
            {
                "date": day.isoformat(),
                "views": figures["views"],
                "bookings": figures["bookings"],
                "tickets_sold": figures["tickets_sold"],
                "revenue": _money(figures["revenue"]),
            }
            for day, figures in sorted(days.items())
            if day is not None
        ],
    }
