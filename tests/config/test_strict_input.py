"""A value of the wrong JSON type is refused, never coerced, on every request body; every
request field has a bound the schema shows."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from accounts.models import SellerApplication, User
from bookings.models import Booking
from campaigns.models import Campaign
from core.strict import StrictTypes
from finance.models import WithdrawalMethod
from payments.models import Payment
from tests.accounts.test_seller_applications import VALID as APPLICATION
from tests.campaigns.conftest import campaign_payload
from tests.factories import ManagerFactory
from tests.finance.test_api import BANK
from validation.models import Scan

pytestmark = pytest.mark.django_db

TICKET = {"name": "Regular", "price": "10.00", "capacity": 5}


@pytest.mark.parametrize(
    ("who", "path", "body", "fields", "model"),
    [
        (
            "seller",
            "/api/v1/campaigns/",
            campaign_payload(title=123),
            {"title": ["Expected a string, not an integer."]},
            Campaign,
        ),
        (
            "seller",
            "/api/v1/campaigns/",
            campaign_payload(ticket_types=[{**TICKET, "capacity": "100"}]),
            {"ticket_types": {"0": {"capacity": ["Expected an integer, not a string."]}}},
            Campaign,
        ),
        (
            "seller",
            "/api/v1/campaigns/",
            campaign_payload(ticket_types=[{**TICKET, "capacity": 100.0}]),
            {"ticket_types": {"0": {"capacity": ["Expected an integer, not a number."]}}},
            Campaign,
        ),
        (
            "seller",
            "/api/v1/campaigns/",
            campaign_payload(ticket_types=[{**TICKET, "max_per_booking": 1.5}]),
            {"ticket_types": {"0": {"max_per_booking": ["Expected an integer, not a number."]}}},
            Campaign,
        ),
        (
            "seller",
            "/api/v1/campaigns/",
            campaign_payload(ticket_types=TICKET),
            {"ticket_types": ["Expected an array, not an object."]},
            Campaign,
        ),
        (
            "seller",
            "/api/v1/finance/withdrawal-methods/",
            {**BANK, "is_default": "false"},
            {"is_default": ["Expected a boolean, not a string."]},
            WithdrawalMethod,
        ),
        (
            "seller",
            "/api/v1/finance/withdrawal-methods/",
            {**BANK, "account_number": 690000031},
            {"account_number": ["Expected a string, not an integer."]},
            WithdrawalMethod,
        ),
        (
            "customer",
            "/api/v1/bookings/",
            {"campaign": "1", "items": [{"ticket_type": 1, "quantity": 1}]},
            {"campaign": ["Expected an integer, not a string."]},
            Booking,
        ),
        (
            "customer",
            "/api/v1/bookings/",
            {"campaign": 1, "items": {"ticket_type": 1, "quantity": 1}},
            {"items": ["Expected an array, not an object."]},
            Booking,
        ),
        (
            "customer",
            "/api/v1/bookings/",
            {"campaign": 1, "items": [{"ticket_type": 1, "quantity": True}]},
            {"items": {"0": {"quantity": ["Expected an integer, not a boolean."]}}},
            Booking,
        ),
        (
            "customer",
            "/api/v1/bookings/",
            {
                "campaign": 1,
                "items": [{"ticket_type": 1, "quantity": 2}],
                "holder_names": ["Ada", 7],
            },
            {"holder_names": {"1": ["Expected a string, not an integer."]}},
            Booking,
        ),
        (
            "customer",
            "/api/v1/payments/initialize/",
            {"booking": [1]},
            {"booking": ["Expected an integer, not an array."]},
            Payment,
        ),
        (
            "customer",
            "/api/v1/auth/apply-seller/",
            {**APPLICATION, "phone": 2348012345678},
            {"phone": ["Expected a string, not an integer."]},
            SellerApplication,
        ),
        (
            "customer",
            "/api/v1/auth/apply-seller/",
            {**APPLICATION, "business_type": ["bar"]},
            {"business_type": ["Expected a string, not an array."]},
            SellerApplication,
        ),
        (
            "manager",
            "/api/v1/validation/scan/",
            {"qr": "x", "device_id": "gate-1", "nonce": 12345678},
            {"nonce": ["Expected a string, not an integer."]},
            Scan,
        ),
    ],
    ids=[
        "title-number",
        "capacity-string",
        "capacity-float",
        "max-per-booking-1.5",
        "ticket-types-object",
        "boolean-string",
        "account-number-number",
        "id-string",
        "items-object",
        "quantity-boolean",
        "holder-name-number",
        "booking-list",
        "phone-number",
        "business-type-list",
        "nonce-number",
    ],
)
def test_a_wrongly_typed_field_is_refused_and_creates_nothing(
    client_for, customer, seller, who, path, body, fields, model
):
    user = {"customer": customer, "seller": seller, "manager": ManagerFactory()}[who]

    response = client_for(user).post(path, body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["fields"] == fields
    assert model.objects.count() == 0


def test_a_wrongly_typed_profile_field_changes_nothing(client_for, customer):
    response = client_for(customer).patch("/api/v1/auth/profile/", {"name": 42}, format="json")

    assert response.status_code == 400
    assert response.json()["fields"] == {"name": ["Expected a string, not an integer."]}
    assert User.objects.get(pk=customer.pk).name == "Ada Customer"


@pytest.fixture(scope="module")
def generated():
    """The OpenAPI schema and the generator's registry of the serializers behind it."""
    generator = SchemaGenerator()
    schema = generator.get_schema(request=None, public=True)
    return schema, generator.registry


def _request_components(schema) -> dict:
    return {
        name: component
        for name, component in schema["components"]["schemas"].items()
        if name.endswith("Request")
    }


def test_every_request_serializer_refuses_wrong_types(generated):
    _, registry = generated
    serializers = {
        component.name: component.object
        for component in registry._components.values()
        if component.type == "schemas" and component.name.endswith("Request")
    }

    assert len(serializers) >= 16
    assert {
        name: getattr(serializer, "__name__", type(serializer).__name__)
        for name, serializer in serializers.items()
        if not issubclass(
            serializer if isinstance(serializer, type) else type(serializer), StrictTypes
        )
    } == {}


def test_every_request_string_and_array_is_bounded_in_the_schema(generated):
    schema, _ = generated
    unbounded = []
    for name, component in _request_components(schema).items():
        for field, spec in component.get("properties", {}).items():
            kind = spec.get("type")
            bounded = (
                "maxLength" in spec
                or "enum" in spec
                or spec.get("format") in ("date-time", "date", "decimal")
                if kind == "string"
                else "maxItems" in spec
                if kind == "array"
                else True
            )
            if not bounded:
                unbounded.append(f"{name}.{field}")

    assert unbounded == []
    campaign = schema["components"]["schemas"]["CampaignInputRequest"]["properties"]
    assert (campaign["ticket_types"]["minItems"], campaign["ticket_types"]["maxItems"]) == (1, 50)
    attributes = schema["components"]["schemas"]["TicketTypeInputRequest"]["properties"][
        "attributes"
    ]
    assert attributes["maxProperties"] == 30
