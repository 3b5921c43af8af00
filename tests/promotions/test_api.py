"""The codes API (the campaign's seller only), booking with a code, and hidden ticket types
in the public API: exact bodies, refusals that change nothing."""

from decimal import Decimal

import pytest
from asgiref.sync import async_to_sync

from bookings.models import Booking, PromoCodeUse
from campaigns.models import PromoCode, TicketType
from tests.factories import CampaignFactory, SellerFactory, TicketTypeFactory, UserFactory

pytestmark = pytest.mark.django_db


def _codes_url(campaign):
    return f"/api/v1/campaigns/{campaign.pk}/codes/"


def _book(client, ticket_type, quantity, code):
    """POST a booking of `quantity` seats of `ticket_type` with `code`."""
    return client.post(
        "/api/v1/bookings/",
        {
            "campaign": ticket_type.campaign_id,
            "items": [{"ticket_type": ticket_type.pk, "quantity": quantity}],
            "code": code,
        },
        format="json",
    )


def _expected(promo, uses=0, released=0):
    return {
        "id": promo.pk,
        "campaign": promo.campaign_id,
        "code": promo.code,
        "kind": promo.kind,
        "value": str(promo.value),
        "ticket_types": sorted(t.pk for t in promo.ticket_types.all()),
        "max_uses": promo.max_uses,
        "max_uses_per_customer": promo.max_uses_per_customer,
        "valid_from": promo.valid_from.isoformat().replace("+00:00", "Z")
        if promo.valid_from
        else None,
        "valid_until": promo.valid_until.isoformat().replace("+00:00", "Z")
        if promo.valid_until
        else None,
        "min_quantity": promo.min_quantity,
        "release_on_refund": promo.release_on_refund,
        "active": promo.active,
        "uses": uses,
        "released_uses": released,
        "created_at": promo.created_at.isoformat().replace("+00:00", "Z"),
    }


def test_seller_creates_a_code_and_reads_it_back(client_for, seller, campaign, ticket_type):
    response = client_for(seller).post(
        _codes_url(campaign),
        {
            "code": "early-bird",
            "kind": "percent",
            "value": "12.50",
            "ticket_types": [ticket_type.pk],
            "max_uses": 100,
            "max_uses_per_customer": 2,
            "valid_until": "2030-01-01T00:00:00Z",
            "min_quantity": 2,
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    promo = PromoCode.objects.get()
    assert response.json() == _expected(promo)
    assert response.json()["code"] == "EARLY-BIRD"
    assert response.json()["valid_until"] == "2030-01-01T00:00:00Z"
    listing = client_for(seller).get(_codes_url(campaign)).json()
    assert listing["count"] == 1
    assert listing["results"] == [_expected(promo)]


def test_a_batch_answers_the_list_of_generated_codes(client_for, seller, campaign):
    response = client_for(seller).post(
        _codes_url(campaign), {"kind": "fixed", "value": "500", "count": 3}, format="json"
    )

    assert response.status_code == 201
    body = response.json()
    assert len(body) == 3
    assert len({item["code"] for item in body}) == 3
    assert {(item["kind"], item["value"]) for item in body} == {("fixed", "500.00")}
    assert PromoCode.objects.count() == 3


def test_csv_export_lists_every_code_with_its_uses(
    client_for, seller, customer, campaign, ticket_type, make_code
):
    promo = make_code(code="SAVE10", max_uses=5)
    _book(client_for(customer), ticket_type, 1, "save10")

    response = client_for(seller).get(_codes_url(campaign) + "?format=csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    content = b"".join(async_to_sync(_collect)(response.streaming_content)).decode()
    assert content == (
        "code,kind,value,ticket_types,max_uses,max_uses_per_customer,valid_from,valid_until,"
        "min_quantity,active,uses\r\n"
        "SAVE10,percent,10.00,,5,,,,1,True,1\r\n"
    )
    assert promo.uses.count() == 1


async def _collect(stream):
    return [chunk async for chunk in stream]


@pytest.mark.parametrize("who", ["anonymous", "customer", "other_seller"])
def test_only_the_campaign_seller_manages_its_codes(client_for, customer, campaign, who):
    user = {"anonymous": None, "customer": customer, "other_seller": SellerFactory()}[who]
    status = {"anonymous": 401, "customer": 403, "other_seller": 403}[who]
    client = client_for(user)

    assert client.get(_codes_url(campaign)).status_code == status
    response = client.post(_codes_url(campaign), {"kind": "percent", "value": "10"}, format="json")

    assert response.status_code == status
    assert PromoCode.objects.count() == 0


def test_another_sellers_code_cannot_be_read_changed_or_deleted(client_for, make_code):
    promo = make_code()
    client = client_for(SellerFactory())

    assert client.get(f"/api/v1/codes/{promo.pk}/").status_code == 404
    assert (
        client.patch(f"/api/v1/codes/{promo.pk}/", {"max_uses": 1}, format="json").status_code
        == 404
    )
    assert client.delete(f"/api/v1/codes/{promo.pk}/").status_code == 404
    promo.refresh_from_db()
    assert (promo.active, promo.max_uses) == (True, None)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "half", "value": "10"}, "kind"),
        ({"kind": "percent", "value": "ten"}, "value"),
        ({"kind": "percent", "value": "10", "max_uses": "7"}, "max_uses"),
        ({"kind": "percent", "value": "10", "max_uses": 0}, "max_uses"),
        ({"kind": "percent", "value": "10", "ticket_types": 5}, "ticket_types"),
        ({"kind": "percent", "value": "10", "code": "X" * 41}, "code"),
        ({"kind": "percent", "value": "10", "code": 12345}, "code"),
        ({"kind": "percent", "value": "10", "count": 501}, "count"),
        ({"kind": "percent", "value": "10", "valid_from": "yesterday"}, "valid_from"),
        ({"kind": "percent", "value": "10", "release_on_refund": "true"}, "release_on_refund"),
        ({"kind": "percent", "value": "150"}, "value"),
        ({"kind": "percent", "value": "10", "code": "A B C"}, "code"),
    ],
)
def test_malformed_bodies_are_refused_with_the_field_named(
    client_for, seller, campaign, body, field
):
    response = client_for(seller).post(_codes_url(campaign), body, format="json")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]
    assert PromoCode.objects.count() == 0


def test_a_ticket_type_of_another_campaign_is_refused(client_for, seller, campaign):
    elsewhere = TicketTypeFactory(campaign=CampaignFactory(seller=seller))

    response = client_for(seller).post(
        _codes_url(campaign),
        {"kind": "percent", "value": "10", "ticket_types": [elsewhere.pk]},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {"ticket_types": ["Unknown ticket type for this campaign."]}
    assert PromoCode.objects.count() == 0


def test_a_code_taken_is_a_conflict(client_for, seller, campaign, make_code):
    make_code(code="SAVE10")

    response = client_for(seller).post(
        _codes_url(campaign), {"code": "save10", "kind": "fixed", "value": "5"}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "code_taken"
    assert PromoCode.objects.count() == 1


def test_patch_changes_settings_and_delete_deactivates_keeping_the_uses(
    client_for, seller, customer, campaign, ticket_type, make_code
):
    promo = make_code(code="SAVE10")
    booked = _book(client_for(customer), ticket_type, 1, "SAVE10")
    assert booked.status_code == 201
    url = f"/api/v1/codes/{promo.pk}/"

    patched = client_for(seller).patch(url, {"max_uses": 5, "value": "20"}, format="json")
    assert patched.status_code == 200
    assert (patched.json()["max_uses"], patched.json()["value"], patched.json()["uses"]) == (
        5,
        "20.00",
        1,
    )
    assert client_for(seller).patch(url, {"value": "0"}, format="json").status_code == 400
    assert client_for(seller).delete(url).status_code == 204

    promo.refresh_from_db()
    assert (promo.active, promo.value, promo.uses.count()) == (False, Decimal("20.00"), 1)
    refused = _book(client_for(customer), ticket_type, 1, "SAVE10")
    assert refused.status_code == 422
    assert refused.json() == {"code": "invalid_code", "detail": "This code is no longer active."}
    assert Booking.objects.count() == 1


def test_booking_with_a_code_answers_subtotal_and_discounts(
    client_for, customer, campaign, ticket_type, make_code
):
    make_code(code="SAVE10", kind="percent", value="10")

    response = _book(client_for(customer), ticket_type, 2, "save10")

    assert response.status_code == 201
    body = response.json()
    assert (body["subtotal"], body["discount"], body["total"]) == ("5000.00", "500.00", "4500.00")
    assert body["items"] == [
        {
            "ticket_type": ticket_type.pk,
            "quantity": 2,
            "unit_price": "2500.00",
            "discount": "500.00",
        }
    ]


@pytest.mark.parametrize(("code", "status"), [("NOPE", 422), (42, 400), ("X" * 41, 400)])
def test_booking_with_a_bad_code_changes_nothing(
    client_for, customer, campaign, ticket_type, code, status
):
    response = _book(client_for(customer), ticket_type, 2, code)

    assert response.status_code == status
    assert response.json()["code"] == ("invalid_code" if status == 422 else "invalid")
    assert Booking.objects.count() == 0
    assert PromoCodeUse.objects.count() == 0
    assert TicketType.objects.get(pk=ticket_type.pk).reserved == 0


def test_hidden_types_are_listed_to_the_seller_only_or_with_their_code(
    client_for, seller, campaign, ticket_type, vip, make_code
):
    make_code(code="PRESS", kind="access", value="0", ticket_types=[vip.pk])
    url = f"/api/v1/campaigns/{campaign.pk}/"

    public = client_for(UserFactory()).get(url).json()
    own = client_for(seller).get(url).json()
    availability = client_for(None).get(url + "availability/").json()

    assert [t["id"] for t in public["ticket_types"]] == [ticket_type.pk]
    assert [(t["id"], t["hidden"]) for t in own["ticket_types"]] == [
        (ticket_type.pk, False),
        (vip.pk, True),
    ]
    assert availability == {"ticket_types": [{"id": ticket_type.pk, "remaining": 10}]}
    assert [t["id"] for t in client_for(None).get(url + "?code=press").json()["ticket_types"]] == [
        ticket_type.pk,
        vip.pk,
    ]
    listed = client_for(None).get("/api/v1/campaigns/").json()["results"]
    assert [[t["id"] for t in c["ticket_types"]] for c in listed] == [[ticket_type.pk]]


def test_seller_hides_a_type_through_the_api(client_for, seller, campaign, ticket_type):
    response = client_for(seller).patch(
        f"/api/v1/campaigns/{campaign.pk}/",
        {"ticket_types": [{"id": ticket_type.pk, "hidden": True}]},
        format="json",
    )

    assert response.status_code == 200
    assert TicketType.objects.get(pk=ticket_type.pk).hidden is True
    bad = client_for(seller).patch(
        f"/api/v1/campaigns/{campaign.pk}/",
        {"ticket_types": [{"id": ticket_type.pk, "hidden": "no"}]},
        format="json",
    )
    assert bad.status_code == 400


def test_the_campaign_page_lists_the_types_a_code_unlocks(
    client, campaign, ticket_type, vip, make_code
):
    make_code(code="PRESS", kind="access", value="0", ticket_types=[vip.pk])
    client.force_login(UserFactory())

    plain = client.get(campaign.get_absolute_url()).content.decode()
    unlocked = client.get(campaign.get_absolute_url() + "?code=press").content.decode()
    wrong = client.get(campaign.get_absolute_url() + "?code=WRONG").content.decode()

    assert "Sponsors" not in plain and "Sponsors" not in wrong
    assert f'id="ticket-type-{vip.pk}">Sponsors' in unlocked
    assert 'name="code" value="press"' in unlocked


def test_booking_a_hidden_type_from_the_page_with_its_code(
    client, customer, campaign, vip, make_code
):
    make_code(code="PRESS", kind="access", value="0", ticket_types=[vip.pk])
    client.force_login(customer)

    response = client.post(
        f"/campaigns/{campaign.slug}/book/",
        {"issuance": "single", f"quantity_{vip.pk}": "1", "code": "PRESS"},
    )

    booking = Booking.objects.get()
    assert response.status_code == 302
    assert response["Location"] == booking.get_absolute_url()
    assert [(i.ticket_type_id, i.quantity) for i in booking.items.all()] == [(vip.pk, 1)]
    assert PromoCodeUse.objects.get().booking == booking
