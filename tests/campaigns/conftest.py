"""Fixtures of the campaigns tests."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import CampaignFactory, SellerFactory, TicketTypeFactory


@pytest.fixture
def other_seller(db):
    return SellerFactory(email="other-seller@example.com", name="Olu Other")


@pytest.fixture
def published(seller):
    """A published campaign of `seller` a week away, with two ticket types."""
    campaign = CampaignFactory(seller=seller, title="Jazz Night", slug="jazz-night")
    TicketTypeFactory(
        campaign=campaign,
        name="Regular",
        price="5000.00",
        capacity=100,
        position=0,
        attributes={"section": "floor", "drinks_included": 2},
    )
    TicketTypeFactory(
        campaign=campaign,
        name="VIP table",
        price="50000.00",
        capacity=10,
        max_per_booking=1,
        scans_allowed=6,
        position=1,
        attributes={"table_size": 6, "bottle": True},
    )
    return campaign


@pytest.fixture
def draft(seller):
    """A draft campaign of `seller` with one ticket type."""
    campaign = CampaignFactory(seller=seller, status="draft", title="Draft Gala", slug="draft-gala")
    TicketTypeFactory(campaign=campaign, name="Entry", price="1000.00", capacity=50)
    return campaign


def campaign_payload(**overrides) -> dict:
    """A valid body for POST /api/v1/campaigns/."""
    starts = (timezone.now() + timedelta(days=10)).replace(microsecond=0)
    data = {
        "title": "Rooftop Jazz Night",
        "description": "Live quartet on the roof.",
        "venue_type": "bar",
        "venue_name": "Sky Bar",
        "venue_address": "3 Ozumba Mbadiwe Avenue",
        "city": "Lagos",
        "country": "NG",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=4)).isoformat(),
        "currency": "NGN",
        "ticket_types": [
            {
                "name": "Regular",
                "price": "5000.00",
                "capacity": 100,
                "attributes": {"drinks_included": 2, "section": "floor"},
            },
            {
                "name": "VIP table",
                "price": "50000.00",
                "capacity": 10,
                "max_per_booking": 1,
                "scans_allowed": 6,
                "attributes": {"table_size": 6, "perks": ["bottle", "waiter"]},
                "attribute_labels": {"table_size": "Seats at the table"},
            },
        ],
    }
    data.update(overrides)
    return data
