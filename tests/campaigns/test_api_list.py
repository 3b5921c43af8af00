"""The public campaign list: what is listed, every filter, ordering, constant queries."""

from datetime import timedelta
from urllib.parse import quote

import pytest
from django.utils import timezone

from campaigns.models import Campaign
from tests.factories import CampaignFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db


def _campaign(title, *, days=7, prices=("2500.00",), attributes=None, **fields):
    campaign = CampaignFactory(
        title=title, starts_at=timezone.now() + timedelta(days=days), **fields
    )
    for price in prices:
        TicketTypeFactory(campaign=campaign, price=price, attributes=attributes or {})
    return campaign


def _titles(api_client, query=""):
    response = api_client.get(f"/api/v1/campaigns/{query}")
    assert response.status_code == 200, response.json()
    return [item["title"] for item in response.json()["results"]]


def test_lists_only_published_campaigns_that_have_not_ended(api_client):
    _campaign("Upcoming")
    _campaign("Draft", status="draft")
    _campaign("Cancelled", status="cancelled")
    _campaign("Ended", status="ended")
    past = timezone.now() - timedelta(days=3)
    CampaignFactory(title="Over", starts_at=past, ends_at=past + timedelta(hours=2))
    running = timezone.now() - timedelta(hours=1)
    CampaignFactory(title="Running", starts_at=running, ends_at=running + timedelta(hours=5))

    assert _titles(api_client) == ["Running", "Upcoming"]


def test_list_is_paginated(api_client):
    for day in range(1, 4):
        _campaign(f"C{day}", days=day)

    body = api_client.get("/api/v1/campaigns/?page_size=2").json()

    assert body["count"] == 3
    assert [item["title"] for item in body["results"]] == ["C1", "C2"]
    assert body["next"].endswith("page=2&page_size=2")
    assert body["results"][0]["ticket_types"][0]["remaining"] == 100


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?venue_type=bar", ["Bar"]),
        ("?city=ACCRA", ["Hotel"]),
        ("?country=gh", ["Hotel"]),
        ("?q=rooftop", ["Bar"]),
        ("?q=stadium", ["Match"]),
        ("?q=quiet", ["Hotel"]),
        ("?starts_after={d3}", ["Hotel", "Match"]),
        ("?starts_before={d3}", ["Bar"]),
        ("?starts_after={d3}&starts_before={d6}", ["Hotel"]),
        ("?min_price=10000", ["Hotel", "Match"]),
        ("?max_price=4000", ["Bar", "Match"]),
        ("?min_price=6000&max_price=9000", []),
        ("?min_price=1000&max_price=3000", ["Bar", "Match"]),
        ("?attr.room=suite", ["Hotel"]),
        ("?attr.breakfast=true", ["Hotel"]),
        ("?attr.table_size=6", ["Bar"]),
        ("?attr.table_size=7", []),
        ("?ordering=-starts_at", ["Match", "Hotel", "Bar"]),
        ("?ordering=price", ["Match", "Bar", "Hotel"]),
        ("?ordering=-price", ["Hotel", "Bar", "Match"]),
    ],
)
def test_filters_and_ordering(api_client, query, expected):
    now = timezone.now()
    _campaign(
        "Bar",
        days=2,
        venue_type="bar",
        venue_name="Rooftop Lounge",
        prices=("3000.00", "5000.00"),
        attributes={"table_size": 6},
    )
    _campaign(
        "Hotel",
        days=5,
        venue_type="hotel",
        city="Accra",
        country="GH",
        description="A quiet weekend",
        prices=("20000.00",),
        attributes={"room": "suite", "breakfast": True},
    )
    _campaign(
        "Match",
        days=8,
        venue_type="sports",
        venue_name="National Stadium",
        prices=("1500.00", "12000.00"),
    )
    query = query.format(
        d3=(now + timedelta(days=3)).date().isoformat(),
        d6=(now + timedelta(days=6)).date().isoformat(),
    )

    assert _titles(api_client, query) == expected


def test_price_filters_ignore_hidden_types(api_client):
    """A hidden type (unlocked by an access code) is not on public sale: its price must
    neither list the campaign under a price range nor give its price away."""
    campaign = _campaign("Gala", prices=("5000.00",))
    TicketTypeFactory(campaign=campaign, price="100.00", hidden=True)

    assert _titles(api_client, "?max_price=1000") == []
    assert _titles(api_client, "?min_price=1000&max_price=6000") == ["Gala"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?venue_type=zoo", "venue_type"),
        ("?starts_after=someday", "starts_after"),
        ("?min_price=-5", "min_price"),
        ("?max_price=cheap", "max_price"),
        ("?ordering=title", "ordering"),
        ("?attr.a__b=1", "__all__"),
    ],
)
def test_invalid_filters_are_400(api_client, query, field):
    response = api_client.get(f"/api/v1/campaigns/{query}")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert field in response.json()["fields"]


def test_a_start_bound_in_any_utc_offset_is_compared_in_utc(api_client):
    soon = _campaign("Soon", days=2)
    _campaign("Later", days=9)
    bound = (soon.starts_at - timedelta(hours=1)).astimezone(
        timezone.get_fixed_timezone(16 * 60 + 35)
    )

    # +16:35 is a valid ISO 8601 offset that PostgreSQL refuses to read (found by schemathesis).
    titles = _titles(api_client, f"?starts_before={quote(bound.isoformat())}")

    assert titles == []
    assert _titles(api_client, "?starts_after=0173-12-11T21:11:45.82%2B16:35") == ["Soon", "Later"]


@pytest.mark.parametrize("bound", ["0001-01-01T00:00:00%2B16:35", "9999-12-31T23:59:59-15:00"])
def test_a_start_bound_beyond_the_calendar_in_utc_is_400(api_client, bound):
    response = api_client.get(f"/api/v1/campaigns/?starts_after={bound}")

    assert response.status_code == 400
    assert response.json()["fields"] == {"starts_after": ["Enter a valid date/time."]}


def test_list_takes_the_same_queries_whatever_the_page_size(api_client, django_assert_num_queries):
    for day in range(12):
        _campaign(f"C{day}", days=day + 1, prices=("1000.00", "2000.00", "3000.00"))

    with django_assert_num_queries(3):
        small = api_client.get("/api/v1/campaigns/?page_size=2")
    with django_assert_num_queries(3):
        large = api_client.get("/api/v1/campaigns/?page_size=12")

    assert len(small.json()["results"]) == 2
    assert len(large.json()["results"]) == 12
    assert Campaign.objects.count() == 12
