"""View counting (Redis, folded by beat) and the analytics figures."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from bookings.models import Booking, BookingItem
from campaigns import analytics, services, tasks
from campaigns.models import CampaignDailyViews
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.redis
def test_views_are_counted_in_redis_and_survive_a_fold(api_client, client_for, seller, published):
    for _ in range(3):
        api_client.get(f"/api/v1/campaigns/{published.pk}/")
    client_for(seller).get(f"/api/v1/campaigns/{published.pk}/")  # the seller's own: not counted

    published.refresh_from_db()
    assert published.views_count == 0
    assert tasks.fold_view_counts.delay().get() == 3
    api_client.get(f"/api/v1/campaigns/{published.pk}/")
    assert tasks.fold_view_counts.delay().get() == 1
    assert tasks.fold_view_counts.delay().get() == 0

    published.refresh_from_db()
    assert published.views_count == 4
    today = timezone.now().date()
    assert list(CampaignDailyViews.objects.values_list("campaign_id", "day", "views")) == [
        (published.pk, today, 4)
    ]


@pytest.mark.redis
def test_a_view_counted_during_a_fold_is_neither_lost_nor_counted_twice(published, monkeypatch):
    services.campaign_view_record(campaign_id=published.pk)
    take = analytics.view_counts_take

    def take_then_view():
        taken = take()
        services.campaign_view_record(campaign_id=published.pk)
        return taken

    monkeypatch.setattr(analytics, "view_counts_take", take_then_view)
    assert services.campaign_views_fold() == 1
    monkeypatch.setattr(analytics, "view_counts_take", take)
    assert services.campaign_views_fold() == 1

    published.refresh_from_db()
    assert published.views_count == 2


@pytest.mark.redis
def test_a_failed_fold_puts_the_counts_back(published, monkeypatch):
    services.campaign_view_record(campaign_id=published.pk)
    services.campaign_view_record(campaign_id=published.pk)

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "_add_views", broken)
    with pytest.raises(RuntimeError):
        services.campaign_views_fold()
    monkeypatch.undo()

    assert services.campaign_views_fold() == 2
    published.refresh_from_db()
    assert published.views_count == 2


def test_without_redis_views_go_straight_to_the_database(api_client, published, settings):
    settings.REDIS_URL = ""

    api_client.get(f"/api/v1/campaigns/{published.pk}/")
    api_client.get(f"/api/v1/campaigns/{published.pk}/")

    published.refresh_from_db()
    assert published.views_count == 2
    assert services.campaign_views_fold() == 0


def _booking(campaign, *, status, items, confirmed_at=None):
    booking = Booking.objects.create(
        customer=UserFactory(),
        campaign=campaign,
        status=status,
        issuance="single",
        total=sum(quantity * ticket_type.price for ticket_type, quantity in items),
        currency=campaign.currency,
        expires_at=timezone.now() + timedelta(minutes=10),
        confirmed_at=confirmed_at,
    )
    for ticket_type, quantity in items:
        BookingItem.objects.create(
            booking=booking,
            ticket_type=ticket_type,
            quantity=quantity,
            unit_price=ticket_type.price,
        )
    return booking


def test_analytics_are_zero_before_any_sale(client_for, seller, published):
    regular, vip = published.ticket_types.order_by("position")

    response = client_for(seller).get(f"/api/v1/campaigns/{published.pk}/analytics/")

    assert response.status_code == 200
    assert response.json() == {
        "campaign": published.pk,
        "currency": "NGN",
        "views": 0,
        "bookings": 0,
        "tickets_sold": 0,
        "revenue": "0.00",
        "discounts": "0.00",
        "revenue_before_discounts": "0.00",
        "codes": [],
        "ticket_types": [
            {
                "id": regular.pk,
                "name": "Regular",
                "capacity": 100,
                "reserved": 0,
                "remaining": 100,
                "tickets_sold": 0,
                "revenue": "0.00",
            },
            {
                "id": vip.pk,
                "name": "VIP table",
                "capacity": 10,
                "reserved": 0,
                "remaining": 10,
                "tickets_sold": 0,
                "revenue": "0.00",
            },
        ],
        "days": [],
    }


def test_analytics_count_confirmed_bookings_per_type_and_day(client_for, super_admin, published):
    regular, vip = published.ticket_types.order_by("position")
    day_one = timezone.now() - timedelta(days=2)
    day_two = timezone.now() - timedelta(days=1)
    _booking(published, status="confirmed", items=[(regular, 2), (vip, 1)], confirmed_at=day_one)
    _booking(published, status="confirmed", items=[(regular, 3)], confirmed_at=day_two)
    _booking(published, status="pending_payment", items=[(regular, 4)])
    _booking(published, status="refunded", items=[(vip, 1)], confirmed_at=day_two)
    CampaignDailyViews.objects.create(campaign=published, day=day_one.date(), views=40)

    body = client_for(super_admin).get(f"/api/v1/campaigns/{published.pk}/analytics/").json()

    assert (body["bookings"], body["tickets_sold"], body["revenue"]) == (2, 6, "75000.00")
    assert [(t["tickets_sold"], t["revenue"]) for t in body["ticket_types"]] == [
        (5, "25000.00"),
        (1, "50000.00"),
    ]
    assert body["days"] == [
        {
            "date": day_one.date().isoformat(),
            "views": 40,
            "bookings": 1,
            "tickets_sold": 3,
            "revenue": "60000.00",
        },
        {
            "date": day_two.date().isoformat(),
            "views": 0,
            "bookings": 1,
            "tickets_sold": 3,
            "revenue": "15000.00",
        },
    ]
    assert Decimal(body["revenue"]) == sum(Decimal(day["revenue"]) for day in body["days"])


@pytest.mark.parametrize(
    ("who", "status"), [("other_seller", 403), ("customer", 403), ("anonymous", (401, 403))]
)
def test_analytics_only_for_owner_and_super_admin(
    client_for, customer, other_seller, published, who, status
):
    user = {"other_seller": other_seller, "customer": customer}.get(who)

    response = client_for(user).get(f"/api/v1/campaigns/{published.pk}/analytics/")

    assert response.status_code in (status if isinstance(status, tuple) else (status,))
