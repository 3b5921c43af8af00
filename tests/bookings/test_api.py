"""The bookings API: exact bodies, every refusal, replays, ownership, and query counts."""

import pytest
from django.utils import timezone

from accounts.services import session_token_create
from bookings import services
from bookings.models import Booking
from campaigns.models import TicketType
from tests.bookings.conftest import assert_inventory_clean
from tests.factories import ManagerFactory, TicketTypeFactory, UserFactory, booked

pytestmark = pytest.mark.django_db

URL = "/api/v1/bookings/"


def _body(ticket_type, quantity=1, **extra):
    return {
        "campaign": ticket_type.campaign_id,
        "items": [{"ticket_type": ticket_type.pk, "quantity": quantity}],
        "issuance": "single",
        **extra,
    }


def _reserved(ticket_type) -> int:
    return TicketType.objects.get(pk=ticket_type.pk).reserved


def _expected(booking: Booking) -> dict:
    booking.refresh_from_db()
    return {
        "id": booking.pk,
        "reference": booking.reference,
        "campaign": booking.campaign_id,
        "status": booking.status,
        "issuance": booking.issuance,
        "expires_at": booking.expires_at.isoformat().replace("+00:00", "Z"),
        "subtotal": str(booking.subtotal),
        "discount": str(booking.discount),
        "total": str(booking.total),
        "currency": booking.currency,
        "items": [
            {
                "ticket_type": i.ticket_type_id,
                "quantity": i.quantity,
                "unit_price": str(i.unit_price),
                "discount": str(i.discount),
            }
            for i in booking.items.all()
        ],
        "tickets": [
            {
                "id": t.pk,
                "ticket_type": t.ticket_type_id,
                "holder_name": t.holder_name,
                "holder_email": t.holder_email,
                "admits": t.admits,
                "scans_allowed": t.scans_allowed,
                "scans_used": t.scans_used,
                "status": t.status,
            }
            for t in booking.tickets.all()
        ],
        "created_at": booking.created_at.isoformat().replace("+00:00", "Z"),
        "confirmed_at": booking.confirmed_at.isoformat().replace("+00:00", "Z")
        if booking.confirmed_at
        else None,
        "receipt_number": None,  # confirmed here without a payment: no receipt
    }


def test_post_books_and_answers_the_contract_body(client_for, customer, ticket_type):
    response = client_for(customer).post(URL, _body(ticket_type, 3), HTTP_IDEMPOTENCY_KEY="k1")

    assert response.status_code == 201
    booking = Booking.objects.get()
    assert response.json() == _expected(booking)
    assert response.json()["total"] == "7500.00"
    assert response.json()["status"] == "pending_payment"
    assert response.json()["items"] == [
        {"ticket_type": ticket_type.pk, "quantity": 3, "unit_price": "2500.00", "discount": "0.00"}
    ]
    assert _reserved(ticket_type) == 3


def test_the_written_out_booking_answer_is_what_its_declared_fields_render(customer, ticket_type):
    """BookingOutput writes its body by hand for speed; the declared fields (the schema) must
    render the same: pending, discounted, confirmed with per-seat tickets, with a receipt."""
    from rest_framework import serializers

    from bookings.api import BookingOutput
    from bookings.models import Receipt

    pending = booked(customer, ticket_type, 2, issuance="separate", holder_names=["Ada", "Bola"])
    confirmed = booked(customer, ticket_type, 3, issuance="separate")
    Booking.objects.filter(pk=confirmed.pk).update(discount="100.00", total="7400.00")
    services.confirm_booking(booking_id=confirmed.pk, source="webhook")
    Receipt.objects.filter(booking=confirmed).delete()
    Receipt.objects.create(
        booking=confirmed,
        kind=Receipt.Kind.RECEIPT,
        seller=ticket_type.campaign.seller,
        number=7,
        buyer_name="Ada",
        buyer_email="ada@example.com",
        lines=[],
        currency="NGN",
        total="7400.00",
        vat_rate="0.00",
        vat_amount="0.00",
        payment_reference="tx-7",
    )
    declared = serializers.ModelSerializer.to_representation

    for booking in [pending, *Booking.objects.prefetch_related("items", "tickets", "receipts")]:
        output = BookingOutput(booking)
        assert output.data == declared(output, booking)
    assert BookingOutput(Booking.objects.get(pk=confirmed.pk)).data["receipt_number"] == "R-000007"
    assert len(BookingOutput(Booking.objects.get(pk=confirmed.pk)).data["tickets"]) == 3


def test_post_with_session_token_header(api_client, customer, ticket_type):
    token = session_token_create(user=customer)
    response = api_client.post(URL, _body(ticket_type), HTTP_X_SESSION_TOKEN=token)
    assert response.status_code == 201
    assert Booking.objects.get().customer == customer


def test_post_query_count_is_small(client_for, customer, ticket_type, django_assert_num_queries):
    client = client_for(customer)
    # Idempotency lookup and the ticket types (checks, prices), then the transaction: insert
    # booking, insert items, bound the lock wait, lock the types, add to reserved. The test's
    # own outer transaction turns BEGIN/COMMIT into SAVEPOINT/RELEASE, counted here; outside
    # tests they are not.
    with django_assert_num_queries(9):
        response = client.post(URL, _body(ticket_type), HTTP_IDEMPOTENCY_KEY="q1")
    assert response.status_code == 201
    with django_assert_num_queries(8):  # no key, no lookup
        response = client.post(URL, _body(ticket_type))
    assert response.status_code == 201


def test_overdue_holds_cost_queries_only_when_they_are_on_the_booked_types(
    client_for, customer, ticket_type, django_assert_num_queries
):
    client = client_for(customer)
    other_type = TicketTypeFactory(campaign=ticket_type.campaign)
    elsewhere = services.booking_create(
        customer=UserFactory(),
        campaign_id=other_type.campaign_id,
        items=[{"ticket_type": other_type.pk, "quantity": 1}],
        issuance="single",
    )
    Booking.objects.filter(pk=elsewhere.pk).update(expires_at=timezone.now())
    with django_assert_num_queries(8):  # as with nothing overdue anywhere
        assert client.post(URL, _body(ticket_type)).status_code == 201

    # Overdue holds on the booked type: bound the lock wait, lock them, read their seats,
    # mark them expired, release their promo-code uses.
    with django_assert_num_queries(13):
        assert client.post(URL, _body(other_type)).status_code == 201
    assert Booking.objects.get(pk=elsewhere.pk).status == "expired"
    assert_inventory_clean()


def test_replay_returns_same_status_and_body_and_holds_nothing_more(
    client_for, customer, ticket_type
):
    client = client_for(customer)
    first = client.post(URL, _body(ticket_type, 2), HTTP_IDEMPOTENCY_KEY="same")
    again = client.post(URL, _body(ticket_type, 2), HTTP_IDEMPOTENCY_KEY="same")

    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert Booking.objects.count() == 1
    assert _reserved(ticket_type) == 2


def test_same_key_with_different_body_is_422_and_changes_nothing(client_for, customer, ticket_type):
    client = client_for(customer)
    client.post(URL, _body(ticket_type, 2), HTTP_IDEMPOTENCY_KEY="same")

    response = client.post(URL, _body(ticket_type, 1), HTTP_IDEMPOTENCY_KEY="same")

    assert response.status_code == 422
    assert response.json() == {
        "code": "idempotency_key_reused",
        "detail": "This Idempotency-Key was already used for a different booking request.",
    }
    assert Booking.objects.count() == 1
    assert _reserved(ticket_type) == 2


def test_sold_out_is_409_naming_the_short_types(client_for, customer, ticket_type):
    services.booking_create(
        customer=UserFactory(),
        campaign_id=ticket_type.campaign_id,
        items=[{"ticket_type": ticket_type.pk, "quantity": 9}],
        issuance="single",
    )

    response = client_for(customer).post(URL, _body(ticket_type, 2))

    assert response.status_code == 409
    assert response.json() == {
        "code": "sold_out",
        "detail": "Not enough tickets left: General (1 left).",
        "ticket_types": [{"id": ticket_type.pk, "name": "General", "remaining": 1}],
    }
    assert Booking.objects.filter(customer=customer).count() == 0
    assert _reserved(ticket_type) == 9


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"items": "all of them"}, "items"),
        ({"items": []}, "items"),
        ({"items": [{"ticket_type": "OWN", "quantity": "abc"}]}, "items"),
        ({"items": [{"ticket_type": "OWN", "quantity": 0}]}, "items"),
        ({"items": [{"ticket_type": "OWN", "quantity": -1}]}, "items"),
        ({"items": [{"ticket_type": "OWN", "quantity": 10**30}]}, "items"),
        ({"items": [{"ticket_type": "OWN"}]}, "items"),
        ({"items": [{"ticket_type": 999999, "quantity": 1}]}, "items"),
        ({"items": [{"ticket_type": 45504393919454830592, "quantity": 1}]}, "items"),
        ({"items": [{"ticket_type": "OTHER", "quantity": 1}]}, "items"),
        ({"items": [{"ticket_type": "OWN", "quantity": 1}] * 2}, "items"),
        ({"items": [{"ticket_type": "OWN", "quantity": 11}]}, "items"),
        ({"campaign": "x"}, "campaign"),
        ({"campaign": None}, "campaign"),
        ({"campaign": 2**64}, "campaign"),
        ({"issuance": "family"}, "issuance"),
        ({"holder_names": "Ada"}, "holder_names"),
        ({"holder_names": ["A", "B"]}, "holder_names"),
    ],
)
def test_malformed_bodies_are_400_with_fields_and_change_nothing(
    client_for, customer, ticket_type, body, field
):
    other = TicketTypeFactory()
    ids = {"OWN": ticket_type.pk, "OTHER": other.pk}
    if "items" in body and isinstance(body["items"], list):
        body["items"] = [
            {**i, "ticket_type": ids.get(i["ticket_type"], i["ticket_type"])} for i in body["items"]
        ]

    response = client_for(customer).post(URL, {**_body(ticket_type), **body})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert list(response.json()["fields"]) == [field]
    assert Booking.objects.count() == 0
    assert (_reserved(ticket_type), _reserved(other)) == (0, 0)


def test_non_json_body_is_400_and_changes_nothing(client_for, customer, ticket_type):
    response = client_for(customer).post(URL, "not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert Booking.objects.count() == 0


def test_overlong_idempotency_key_is_400(client_for, customer, ticket_type):
    response = client_for(customer).post(URL, _body(ticket_type), HTTP_IDEMPOTENCY_KEY="k" * 129)
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["Idempotency-Key"]
    assert Booking.objects.count() == 0
    assert _reserved(ticket_type) == 0


def test_campaign_not_on_sale_is_409(client_for, customer, ticket_type):
    ticket_type.campaign.status = "cancelled"
    ticket_type.campaign.save()

    response = client_for(customer).post(URL, _body(ticket_type))

    assert response.status_code == 409
    assert response.json() == {"code": "not_on_sale", "detail": "This campaign is not on sale."}
    assert _reserved(ticket_type) == 0


def test_anonymous_cannot_book_or_list(api_client, ticket_type):
    for response in (api_client.post(URL, _body(ticket_type)), api_client.get(URL)):
        assert response.status_code == 401
        assert response.json()["code"] == "not_authenticated"
    assert Booking.objects.count() == 0


def test_booking_is_throttled_by_the_booking_scope(client_for, customer, ticket_type, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "booking": "2/min",
        },
    }
    client = client_for(customer)
    codes = [client.post(URL, _body(ticket_type)).status_code for _ in range(3)]
    assert codes == [201, 201, 429]
    assert client.get(URL).status_code == 200  # listing is not counted as booking
    assert Booking.objects.count() == 2


def test_list_shows_only_mine_filtered_by_status(client_for, customer, ticket_type, seller):
    mine = [
        services.booking_create(
            customer=customer,
            campaign_id=ticket_type.campaign_id,
            items=[{"ticket_type": ticket_type.pk, "quantity": 1}],
            issuance="single",
        )
        for _ in range(2)
    ]
    services.booking_cancel(booking_id=mine[0].pk, customer=customer)
    services.booking_create(
        customer=UserFactory(),
        campaign_id=ticket_type.campaign_id,
        items=[{"ticket_type": ticket_type.pk, "quantity": 1}],
        issuance="single",
    )
    client = client_for(customer)

    everything = client.get(URL).json()
    pending = client.get(URL, {"status": "pending_payment"}).json()

    assert everything["count"] == 2
    assert [b["id"] for b in everything["results"]] == [mine[1].pk, mine[0].pk]
    assert pending["results"] == [_expected(mine[1])]
    assert client.get(URL, {"status": "PAID"}).status_code == 400
    # The campaign's seller sees these bookings in the dashboard, not through this endpoint.
    assert client_for(ticket_type.campaign.seller).get(URL).json()["count"] == 0


def test_detail_shows_tickets_and_hides_others_bookings(client_for, customer, ticket_type):
    booking = services.booking_create(
        customer=customer,
        campaign_id=ticket_type.campaign_id,
        items=[{"ticket_type": ticket_type.pk, "quantity": 2}],
        issuance="separate",
        holder_names=["Ada", "Bola"],
    )
    services.confirm_booking(booking_id=booking.pk, source="webhook")

    response = client_for(customer).get(f"{URL}{booking.pk}/")

    assert response.status_code == 200
    assert response.json() == _expected(booking)
    assert [t["holder_name"] for t in response.json()["tickets"]] == ["Ada", "Bola"]
    for outsider in (UserFactory(), ManagerFactory(), ticket_type.campaign.seller):
        response = client_for(outsider).get(f"{URL}{booking.pk}/")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


def test_cancel_releases_and_returns_the_booking(client_for, customer, ticket_type):
    booking = services.booking_create(
        customer=customer,
        campaign_id=ticket_type.campaign_id,
        items=[{"ticket_type": ticket_type.pk, "quantity": 2}],
        issuance="single",
    )

    response = client_for(customer).post(f"{URL}{booking.pk}/cancel/")

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert _reserved(ticket_type) == 0
    again = client_for(customer).post(f"{URL}{booking.pk}/cancel/")
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_transition"
    assert_inventory_clean()


def test_cancel_of_someone_elses_booking_is_404_and_changes_nothing(
    client_for, customer, ticket_type
):
    booking = services.booking_create(
        customer=customer,
        campaign_id=ticket_type.campaign_id,
        items=[{"ticket_type": ticket_type.pk, "quantity": 2}],
        issuance="single",
    )

    response = client_for(UserFactory()).post(f"{URL}{booking.pk}/cancel/")

    assert response.status_code == 404
    assert Booking.objects.get(pk=booking.pk).status == "pending_payment"
    assert _reserved(ticket_type) == 2


def test_cancel_of_unknown_booking_is_404(client_for, customer):
    assert client_for(customer).post(f"{URL}424242/cancel/").status_code == 404
