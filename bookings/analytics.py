"""A campaign's analytics: its views (campaigns) beside its sales (bookings), in total, per
ticket type and per day, and the use of its codes. Sales are confirmed bookings; refunded
ones no longer count. Revenue is what customers paid, net of code discounts; the discounts
are shown beside it."""

from collections import defaultdict
from decimal import Decimal

from bookings import selectors
from bookings.codes import selectors as code_selectors
from campaigns.models import Campaign
from core.money import to_money


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
    for day, views in campaign.daily_views.values_list("day", "views"):
        days[day]["views"] = views
    bookings = 0
    revenue = discounts = Decimal(0)
    for row in selectors.sales_per_day(campaign_id=campaign.pk):
        days[row["day"]]["bookings"] = row["bookings"]
        days[row["day"]]["revenue"] = row["revenue"] or Decimal(0)
        bookings += row["bookings"]
        revenue += row["revenue"] or Decimal(0)
        discounts += row["discounts"] or Decimal(0)
    for row in selectors.tickets_sold_per_ticket_type(campaign_id=campaign.pk):
        if row["ticket_type"] in per_type:
            per_type[row["ticket_type"]] = {
                "tickets_sold": row["tickets"],
                "revenue": row["revenue"] or Decimal(0),
            }
    for row in selectors.tickets_sold_per_day(campaign_id=campaign.pk):
        days[row["day"]]["tickets_sold"] = row["tickets"]
    return {
        "campaign": campaign.pk,
        "currency": campaign.currency,
        "views": campaign.views_count,
        "bookings": bookings,
        "tickets_sold": sum(figures["tickets_sold"] for figures in per_type.values()),
        "revenue": _money(revenue),
        "discounts": _money(discounts),
        "revenue_before_discounts": _money(revenue + discounts),
        "codes": [
            {
                "id": promo.pk,
                "code": promo.code,
                "kind": promo.kind,
                "uses": promo.uses_count,
                "discounts": _money(promo.discount_given),
            }
            for promo in code_selectors.codes_with_usage(campaign_id=campaign.pk)
            if promo.uses_count or promo.released_count
        ],
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
