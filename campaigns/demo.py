"""Demo campaigns for `seed_demo`: one published campaign of every venue type."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import User
from campaigns import services
from campaigns.models import Campaign

DEMO_CAMPAIGNS = [
    {
        "title": "Rooftop Jazz Fridays",
        "venue_type": "bar",
        "venue_name": "Sky Bar",
        "venue_address": "3 Ozumba Mbadiwe Avenue",
        "city": "Lagos",
        "country": "NG",
        "currency": "NGN",
        "days": 5,
        "hours": 5,
        "description": "A live quartet, a view of the lagoon and a long cocktail list.",
        "ticket_types": [
            ("Standing", "5000.00", 150, 10, 1, {"drinks_included": 1}),
            ("Table for six", "60000.00", 12, 1, 6, {"table_size": 6, "bottle": True}),
        ],
        "labels": {
            "drinks_included": "Free drinks",
            "table_size": "Seats at the table",
            "bottle": "Bottle service",
        },
    },
    {
        "title": "Derby Day: Accra Lions v Kumasi Stars",
        "venue_type": "sports",
        "venue_name": "National Stadium",
        "venue_address": "Liberation Road",
        "city": "Accra",
        "country": "GH",
        "currency": "GHS",
        "days": 9,
        "hours": 3,
        "description": "The season's biggest match. Gates open two hours before kick-off.",
        "ticket_types": [
            ("Terrace", "80.00", 2000, 6, 1, {"section": "north", "seat": "unreserved"}),
            ("Covered stand", "250.00", 400, 6, 1, {"section": "west", "seat": "numbered"}),
        ],
        "labels": {"section": "Stand", "seat": "Seating"},
    },
    {
        "title": "Lagoon Weekend Escape",
        "venue_type": "hotel",
        "venue_name": "Lagoon Hotel",
        "venue_address": "Beach Road",
        "city": "Mombasa",
        "country": "KE",
        "currency": "KES",
        "days": 14,
        "hours": 48,
        "description": "Two nights by the ocean, breakfast included.",
        "ticket_types": [
            ("Garden room", "18000.00", 20, 1, 2, {"room_type": "garden", "breakfast": True}),
            ("Ocean suite", "42000.00", 5, 1, 2, {"room_type": "suite", "view": ["ocean", "pool"]}),
        ],
        "labels": {"room_type": "Room", "breakfast": "Breakfast included"},
    },
    {
        "title": "Afrobeats Live in Kampala",
        "venue_type": "event",
        "venue_name": "Lugogo Arena",
        "venue_address": "Jinja Road",
        "city": "Kampala",
        "country": "UG",
        "currency": "UGX",
        "days": 21,
        "hours": 6,
        "description": "Five headline acts, one night.",
        "ticket_types": [
            ("General", "50000.00", 3000, 8, 1, {}),
            ("VIP", "200000.00", 200, 4, 1, {"lounge_access": True, "merch": ["t-shirt"]}),
        ],
        "labels": {"lounge_access": "VIP lounge", "merch": "Merchandise"},
    },
    {
        "title": "Cape Town Food Market Tour",
        "venue_type": "other",
        "venue_name": "Old Biscuit Mill",
        "venue_address": "373 Albert Road",
        "city": "Cape Town",
        "country": "ZA",
        "currency": "ZAR",
        "days": 12,
        "hours": 3,
        "description": "A guided tasting walk through the Saturday market.",
        "ticket_types": [("Tasting pass", "450.00", 30, 4, 1, {"tastings": 8, "vegetarian": True})],
        "labels": {"vegetarian": "Vegetarian options"},
    },
]


def seed_demo_campaigns(*, seller: User, manager: User) -> int:
    """Create and publish the demo campaigns the seller does not have yet; returns how many."""
    created = 0
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    for spec in DEMO_CAMPAIGNS:
        if Campaign.objects.filter(seller=seller, title=spec["title"]).exists():
            continue
        starts = now + timedelta(days=spec["days"], hours=19 - now.hour)
        campaign = services.campaign_create(
            seller=seller,
            title=spec["title"],
            description=spec["description"],
            venue_type=spec["venue_type"],
            venue_name=spec["venue_name"],
            venue_address=spec["venue_address"],
            city=spec["city"],
            country=spec["country"],
            currency=spec["currency"],
            starts_at=starts,
            ends_at=starts + timedelta(hours=spec["hours"]),
            ticket_types=[
                {
                    "name": name,
                    "price": Decimal(price),
                    "capacity": capacity,
                    "max_per_booking": max_per_booking,
                    "scans_allowed": scans_allowed,
                    "attributes": attributes,
                    "attribute_labels": {
                        key: label for key, label in spec["labels"].items() if key in attributes
                    },
                }
                for name, price, capacity, max_per_booking, scans_allowed, attributes in spec[
                    "ticket_types"
                ]
            ],
        )
        services.campaign_publish(campaign_id=campaign.pk, user=seller)
        services.manager_assign(campaign_id=campaign.pk, user=seller, email=manager.email)
        created += 1
    return created
