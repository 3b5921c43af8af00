"""Creating campaigns through the API: who may, what is stored, and every refused body."""

import base64
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import AuditEvent
from campaigns.models import Campaign, CampaignKey, TicketType
from tests.campaigns.conftest import campaign_payload
from tests.factories import ManagerFactory

pytestmark = pytest.mark.django_db


def test_seller_creates_a_draft_with_its_ticket_types(client_for, seller):
    body = campaign_payload()

    response = client_for(seller).post("/api/v1/campaigns/", body, format="json")

    assert response.status_code == 201
    campaign = Campaign.objects.get()
    regular, vip = campaign.ticket_types.order_by("position")
    assert response.json() == {
        "id": campaign.pk,
        "title": "Rooftop Jazz Night",
        "slug": "rooftop-jazz-night",
        "description": "Live quartet on the roof.",
        "venue_type": "bar",
        "venue_name": "Sky Bar",
        "venue_address": "3 Ozumba Mbadiwe Avenue",
        "city": "Lagos",
        "country": "NG",
        "starts_at": body["starts_at"].replace("+00:00", "Z"),
        "ends_at": body["ends_at"].replace("+00:00", "Z"),
        "timezone": "Africa/Lagos",
        "currency": "NGN",
        "status": "draft",
        "transfers_allowed": True,
        "name_change_cutoff": None,
        "refund_policy": {"kind": "none", "days": None},
        "vat_rate": "0.00",
        "ticket_types": [
            {
                "id": regular.pk,
                "name": "Regular",
                "price": "5000.00",
                "capacity": 100,
                "remaining": 100,
                "max_per_booking": 10,
                "scans_allowed": 1,
                "sales_start": None,
                "sales_end": None,
                "attributes": {"drinks_included": 2, "section": "floor"},
                "attribute_labels": {},
                "hidden": False,
            },
            {
                "id": vip.pk,
                "name": "VIP table",
                "price": "50000.00",
                "capacity": 10,
                "remaining": 10,
                "max_per_booking": 1,
                "scans_allowed": 6,
                "sales_start": None,
                "sales_end": None,
                "attributes": {"table_size": 6, "perks": ["bottle", "waiter"]},
                "attribute_labels": {"table_size": "Seats at the table"},
                "hidden": False,
            },
        ],
    }
    assert campaign.seller == seller
    assert (
        AuditEvent.objects.filter(action="campaign.created", target_id=str(campaign.pk)).count()
        == 1
    )


def test_new_campaign_gets_a_random_256_bit_key_encrypted_at_rest(client_for, seller):
    client_for(seller).post("/api/v1/campaigns/", campaign_payload(), format="json")
    client_for(seller).post("/api/v1/campaigns/", campaign_payload(), format="json")

    first, second = CampaignKey.objects.order_by("campaign_id")
    assert (first.version, second.version) == (1, 1)
    assert len(first.key_bytes) == 32
    assert first.key_bytes != second.key_bytes
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM campaigns_campaignkey WHERE id = %s", [first.pk])
        (stored,) = cursor.fetchone()
    assert stored.startswith("v1:")
    assert base64.b64encode(first.key_bytes).decode() not in stored


def test_same_title_gets_a_distinct_slug(client_for, seller):
    first = client_for(seller).post("/api/v1/campaigns/", campaign_payload(), format="json")
    second = client_for(seller).post("/api/v1/campaigns/", campaign_payload(), format="json")

    assert first.json()["slug"] == "rooftop-jazz-night"
    assert second.json()["slug"].startswith("rooftop-jazz-night-")
    assert len(second.json()["slug"]) == len("rooftop-jazz-night-") + 6


def _ticket(**overrides):
    return {"name": "Regular", "price": "10.00", "capacity": 5, **overrides}


def _past():
    return (timezone.now() - timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"ticket_types": [_ticket(price="-1.00")]}, "ticket_types"),
        ({"ticket_types": [_ticket(capacity=0)]}, "ticket_types"),
        ({"ticket_types": [_ticket(capacity=-5)]}, "ticket_types"),
        ({"ticket_types": [_ticket(max_per_booking=0)]}, "ticket_types"),
        ({"ticket_types": [_ticket(scans_allowed=0)]}, "ticket_types"),
        ({"ticket_types": [_ticket(price="abc")]}, "ticket_types"),
        ({"ticket_types": [_ticket(price="1.234")]}, "ticket_types"),
        ({"ticket_types": [{"price": "1.00", "capacity": 3}]}, "ticket_types"),
        ({"ticket_types": []}, "ticket_types"),
        ({"ticket_types": None}, "ticket_types"),
        ({"venue_type": "zoo"}, "venue_type"),
        ({"currency": "XYZ"}, "currency"),
        ({"currency": "ngn"}, "currency"),
        ({"country": "ZZ"}, "country"),
        ({"title": ""}, "title"),
        ({"starts_at": "tomorrow"}, "starts_at"),
        ({"starts_at": _past()}, "starts_at"),
        ({"ends_at": (timezone.now() + timedelta(days=9)).isoformat()}, "ends_at"),
        ({"ticket_types": [_ticket(attributes=["not", "an", "object"])]}, "ticket_types"),
        ({"ticket_types": [_ticket(attributes={"nested": {"a": 1}})]}, "ticket_types"),
        ({"ticket_types": [_ticket(attributes={"x" * 41: 1})]}, "ticket_types"),
        ({"ticket_types": [_ticket(attributes={"": 1})]}, "ticket_types"),
        ({"ticket_types": [_ticket(attributes={"a__b": 1})]}, "ticket_types"),
        ({"ticket_types": [_ticket(attributes={"note": "x" * 201})]}, "ticket_types"),
        ({"ticket_types": [_ticket(attributes={"tags": list(range(21))})]}, "ticket_types"),
        ({"ticket_types": [_ticket(attributes={"tags": [[1]]})]}, "ticket_types"),
        ({"ticket_types": [_ticket(attributes={"none": None})]}, "ticket_types"),
        ({"ticket_types": [_ticket(attributes={f"k{i}": i for i in range(31)})]}, "ticket_types"),
        ({"ticket_types": [_ticket(attribute_labels=["Size"])]}, "ticket_types"),
        ({"ticket_types": [_ticket(attribute_labels={"size": "Size"})]}, "ticket_types"),
        (
            {"ticket_types": [_ticket(attributes={"size": 6}, attribute_labels={"seat": "Seat"})]},
            "ticket_types",
        ),
        (
            {"ticket_types": [_ticket(attributes={"size": 6}, attribute_labels={"size": " "})]},
            "ticket_types",
        ),
        (
            {"ticket_types": [_ticket(attributes={"size": 6}, attribute_labels={"size": 6})]},
            "ticket_types",
        ),
        (
            {"ticket_types": [_ticket(attributes={"a": 1}, attribute_labels={"a": "x" * 81})]},
            "ticket_types",
        ),
        (
            {
                "ticket_types": [
                    _ticket(
                        sales_start=(timezone.now() + timedelta(days=2)).isoformat(),
                        sales_end=(timezone.now() + timedelta(days=1)).isoformat(),
                    )
                ]
            },
            "ticket_types",
        ),
    ],
)
def test_invalid_body_is_400_with_fields_and_creates_nothing(client_for, seller, overrides, field):
    body = campaign_payload(**overrides)

    response = client_for(seller).post("/api/v1/campaigns/", body, format="json")

    assert response.status_code == 400
    payload = response.json()
    assert payload["code"] == "invalid"
    assert field in payload["fields"]
    assert payload["detail"]
    assert Campaign.objects.count() == 0
    assert TicketType.objects.count() == 0
    assert CampaignKey.objects.count() == 0


@pytest.mark.parametrize(
    ("country", "message"),
    [
        ([], "Expected a string, not an array."),
        ({"a": 1}, "Expected a string, not an object."),
        (566, "Expected a string, not an integer."),
        ("Nigeria", '"Nigeria" is not a valid choice.'),
        ("ng", '"ng" is not a valid choice.'),
    ],
)
def test_a_country_that_is_not_a_code_is_refused_never_stored_blank(
    client_for, seller, country, message
):
    body = campaign_payload(country=country)

    response = client_for(seller).post("/api/v1/campaigns/", body, format="json")

    assert response.status_code == 400
    assert response.json()["fields"] == {"country": [message]}
    assert Campaign.objects.count() == 0


def test_at_most_50_ticket_types_per_campaign(client_for, seller):
    many = [_ticket(name=f"Type {number}") for number in range(51)]

    refused = client_for(seller).post(
        "/api/v1/campaigns/", campaign_payload(ticket_types=many), format="json"
    )
    assert Campaign.objects.count() == 0
    accepted = client_for(seller).post(
        "/api/v1/campaigns/", campaign_payload(ticket_types=many[:50]), format="json"
    )

    assert refused.status_code == 400
    assert refused.json()["fields"] == {
        "ticket_types": {"non_field_errors": ["Ensure this field has no more than 50 elements."]}
    }
    assert accepted.status_code == 201
    assert TicketType.objects.count() == 50


def test_attribute_limits_are_accepted_at_the_boundary(client_for, seller):
    attributes = {f"k{i:02d}": "x" * 200 for i in range(29)}
    attributes["y" * 40] = list(range(20))
    body = campaign_payload(ticket_types=[_ticket(attributes=attributes)])

    response = client_for(seller).post("/api/v1/campaigns/", body, format="json")

    assert response.status_code == 201
    assert TicketType.objects.get().attributes == attributes


@pytest.mark.parametrize("who", ["customer", "super_admin", "manager", "anonymous"])
def test_only_sellers_create_campaigns(client_for, customer, super_admin, who):
    user = {"customer": customer, "super_admin": super_admin, "manager": ManagerFactory()}.get(who)

    response = client_for(user).post("/api/v1/campaigns/", campaign_payload(), format="json")

    assert response.status_code == (401 if user is None else 403)
    assert Campaign.objects.count() == 0


def test_the_schedule_rules_answer_with_every_fault_and_create_nothing(client_for, seller):
    starts = timezone.now() - timedelta(hours=1)
    body = campaign_payload(
        starts_at=starts.isoformat(), ends_at=(starts - timedelta(hours=1)).isoformat()
    )

    response = client_for(seller).post("/api/v1/campaigns/", body, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "detail": "The campaign must end after it starts.",
        "fields": {
            "ends_at": ["The campaign must end after it starts."],
            "starts_at": ["The start must be in the future."],
        },
    }
    assert Campaign.objects.count() == 0
