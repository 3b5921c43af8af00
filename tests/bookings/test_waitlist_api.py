"""The waiting-list API: join, read one's place, leave; the seller's lists; booking with an
offer. Exact bodies, every refusal with nothing changed, other people's objects, bad bodies."""

import pytest
from django.utils import timezone

from bookings import services
from bookings.models import Booking, Offer, WaitingListEntry
from campaigns.models import TicketType
from tests.bookings.conftest import assert_inventory_clean
from tests.factories import SellerFactory, TicketTypeFactory, UserFactory, booked

pytestmark = pytest.mark.django_db


def url(ticket_type) -> str:
    return f"/api/v1/ticket-types/{ticket_type.pk}/waiting-list/"


def lists_url(campaign) -> str:
    return f"/api/v1/campaigns/{campaign.pk}/waiting-lists/"


def iso(value) -> str:
    return value.isoformat().replace("+00:00", "Z")


@pytest.fixture
def small(campaign):
    return TicketTypeFactory(campaign=campaign, name="Front row", capacity=2, max_per_booking=2)


@pytest.fixture
def holds(small):
    """Two pending bookings of one seat each: `small` is sold out."""
    return [booked(UserFactory(), small, 1), booked(UserFactory(), small, 1)]


def test_a_customer_joins_reads_their_place_and_leaves(client_for, customer, small, holds):
    ahead = UserFactory()
    client_for(ahead).post(url(small), {"quantity": 1}, format="json")
    client = client_for(customer)

    joined = client.post(url(small), {"quantity": 2}, format="json")

    entry = WaitingListEntry.objects.get(customer=customer)
    expected = {
        "id": entry.pk,
        "ticket_type": small.pk,
        "quantity": 2,
        "status": "waiting",
        "position": 2,
        "joined_at": iso(entry.joined_at),
        "offer": None,
    }
    assert (joined.status_code, joined.json()) == (201, expected)
    assert client.get(url(small)).json() == expected

    client_for(ahead).delete(url(small))
    assert client.get(url(small)).json()["position"] == 1

    left = client.delete(url(small))
    assert left.status_code == 204
    assert WaitingListEntry.objects.get(pk=entry.pk).status == "left"
    missing = client.get(url(small))
    assert (missing.status_code, missing.json()["code"]) == (404, "not_waiting")
    again = client.delete(url(small))
    assert (again.status_code, again.json()["code"]) == (404, "not_waiting")


def test_an_entry_on_offer_shows_the_offer(client_for, customer, small, holds):
    client = client_for(customer)
    client.post(url(small), {"quantity": 1}, format="json")
    services.booking_cancel(booking_id=holds[0].pk, customer=holds[0].customer)

    body = client.get(url(small)).json()

    offer = Offer.objects.get()
    assert body["status"] == "offered"
    assert body["position"] is None
    assert body["offer"] == {
        "token": offer.token,
        "quantity": 1,
        "expires_at": iso(offer.expires_at),
    }


def test_joining_while_seats_are_on_sale_is_409_on_sale(client_for, customer, small):
    response = client_for(customer).post(url(small), {"quantity": 1}, format="json")

    assert response.status_code == 409
    assert response.json() == {
        "code": "on_sale",
        "detail": "2 seats of Front row are on sale: book them.",
        "remaining": 2,
    }
    assert not WaitingListEntry.objects.exists()


def test_joining_twice_is_409(client_for, customer, small, holds):
    client = client_for(customer)
    client.post(url(small), {"quantity": 1}, format="json")

    response = client.post(url(small), {"quantity": 1}, format="json")

    assert (response.status_code, response.json()["code"]) == (409, "already_waiting")
    assert WaitingListEntry.objects.count() == 1


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"quantity": "1"},
        {"quantity": 1.5},
        {"quantity": None},
        {"quantity": 0},
        {"quantity": -1},
        {"quantity": 10**9},
        {"quantity": [1]},
        [],
        "1",
    ],
)
def test_malformed_join_bodies_are_400_and_change_nothing(client_for, customer, small, holds, body):
    response = client_for(customer).post(url(small), body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] in {"invalid", "parse_error"}
    assert not WaitingListEntry.objects.exists()


def test_a_quantity_over_the_per_booking_limit_is_400(client_for, customer, small, holds):
    response = client_for(customer).post(url(small), {"quantity": 3}, format="json")

    assert response.status_code == 400
    assert response.json()["fields"] == {"quantity": ["Choose 1 to 2 seats."]}
    assert not WaitingListEntry.objects.exists()


def test_unknown_and_hidden_types_are_404(client_for, customer, campaign):
    hidden = TicketTypeFactory(campaign=campaign, capacity=1, hidden=True)
    TicketType.objects.filter(pk=hidden.pk).update(reserved=1)

    for path in (url(hidden), "/api/v1/ticket-types/999999/waiting-list/"):
        response = client_for(customer).post(path, {"quantity": 1}, format="json")
        assert response.status_code == 404
    assert not WaitingListEntry.objects.exists()


def test_anonymous_clients_are_401(client_for, small, holds):
    for method in ("get", "post", "delete"):
        response = getattr(client_for(None), method)(url(small), {"quantity": 1}, format="json")
        assert response.status_code == 401
    assert client_for(None).get(lists_url(small.campaign)).status_code == 401
    assert not WaitingListEntry.objects.exists()


# --- The seller's view ----------------------------------------------------------------------------


def test_the_seller_sees_each_types_list_and_length(client_for, campaign, small, holds):
    other = TicketTypeFactory(campaign=campaign, name="Balcony", capacity=5, position=1)
    first = UserFactory(email="first@example.com", name="First")
    second = UserFactory(email="second@example.com", name="Second")
    client_for(first).post(url(small), {"quantity": 1}, format="json")
    client_for(second).post(url(small), {"quantity": 2}, format="json")
    services.booking_cancel(booking_id=holds[0].pk, customer=holds[0].customer)
    offer = Offer.objects.get()
    entries = {e.customer_id: e for e in WaitingListEntry.objects.all()}

    response = client_for(campaign.seller).get(lists_url(campaign))

    assert response.status_code == 200
    assert response.json() == [
        {
            "ticket_type": small.pk,
            "name": "Front row",
            "length": 1,
            "seats_wanted": 2,
            "entries": [
                {
                    "id": entries[first.pk].pk,
                    "customer_email": "first@example.com",
                    "customer_name": "First",
                    "quantity": 1,
                    "status": "offered",
                    "position": None,
                    "joined_at": iso(entries[first.pk].joined_at),
                    "offer_expires_at": iso(offer.expires_at),
                },
                {
                    "id": entries[second.pk].pk,
                    "customer_email": "second@example.com",
                    "customer_name": "Second",
                    "quantity": 2,
                    "status": "waiting",
                    "position": 1,
                    "joined_at": iso(entries[second.pk].joined_at),
                    "offer_expires_at": None,
                },
            ],
        },
        {"ticket_type": other.pk, "name": "Balcony", "length": 0, "seats_wanted": 0, "entries": []},
    ]


def test_other_sellers_and_customers_cannot_see_the_lists(client_for, campaign, small, customer):
    assert client_for(SellerFactory()).get(lists_url(campaign)).status_code == 403
    assert client_for(customer).get(lists_url(campaign)).status_code == 403
    assert (
        client_for(campaign.seller).get("/api/v1/campaigns/999999/waiting-lists/").status_code
        == 404
    )


# --- Booking with an offer ------------------------------------------------------------------------


@pytest.fixture
def offer(client_for, customer, small, holds):
    client_for(customer).post(url(small), {"quantity": 1}, format="json")
    services.booking_cancel(booking_id=holds[0].pk, customer=holds[0].customer)
    return Offer.objects.get()


def book_offer(client, offer, **extra):
    return client.post(
        "/api/v1/bookings/",
        {"campaign": offer.ticket_type.campaign_id, "offer": offer.token, **extra},
        format="json",
    )


def test_booking_with_an_offer_books_the_offered_seats(client_for, customer, small, offer):
    response = book_offer(client_for(customer), offer)

    assert response.status_code == 201
    booking = Booking.objects.get(pk=response.json()["id"])
    assert response.json()["items"] == [
        {"ticket_type": small.pk, "quantity": 1, "unit_price": "2500.00", "discount": "0.00"}
    ]
    assert (booking.customer, booking.status) == (customer, "pending_payment")
    assert Offer.objects.get().status == "booked"
    assert TicketType.objects.get(pk=small.pk).reserved == 2
    assert_inventory_clean()


def test_someone_elses_offer_is_403_and_changes_nothing(client_for, small, offer):
    response = book_offer(client_for(UserFactory()), offer)

    assert response.status_code == 403
    assert response.json() == {
        "code": "permission_denied",
        "detail": "This offer was made to someone else.",
    }
    assert Offer.objects.get().status == "open"
    assert Booking.objects.count() == 2


def test_an_expired_offer_is_409_offer_expired(client_for, customer, small, offer):
    Offer.objects.update(expires_at=timezone.now())

    response = book_offer(client_for(customer), offer)

    assert response.status_code == 409
    assert response.json()["code"] == "offer_expired"
    assert Offer.objects.get().status == "lapsed"
    assert Booking.objects.count() == 2
    assert TicketType.objects.get(pk=small.pk).reserved == 1
    assert_inventory_clean()


def test_an_unknown_offer_is_404(client_for, customer, offer):
    offer.token = "x" * 43

    response = book_offer(client_for(customer), offer)

    assert (response.status_code, response.json()["code"]) == (404, "offer_not_found")
    assert Offer.objects.get().status == "open"


@pytest.mark.parametrize(
    "extra",
    [{"offer": 5}, {"offer": ""}, {"offer": "x" * 65}, {"offer": None}],
)
def test_malformed_offers_are_400(client_for, customer, offer, extra):
    response = client_for(customer).post(
        "/api/v1/bookings/", {"campaign": offer.ticket_type.campaign_id, **extra}, format="json"
    )

    assert response.status_code == 400
    assert Offer.objects.get().status == "open"


def test_a_booking_without_items_or_offer_is_400(client_for, customer, small):
    response = client_for(customer).post(
        "/api/v1/bookings/", {"campaign": small.campaign_id}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {"items": ["This field is required."]}


def test_the_schema_documents_the_waiting_list_paths_and_the_offer_field(api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()

    paths = schema["paths"]
    assert set(paths["/api/v1/ticket-types/{id}/waiting-list/"]) == {"get", "post", "delete"}
    assert set(paths["/api/v1/campaigns/{id}/waiting-lists/"]) == {"get"}
    booking = schema["components"]["schemas"]["BookingCreateInputRequest"]
    assert booking["properties"]["offer"]["maxLength"] == 64
    assert booking["required"] == ["campaign"]
