"""Detail, edit, publish, cancel, end, availability and managers: rules and role matrix."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import AuditEvent, ManagerInvitation, Role, User
from campaigns import tasks
from campaigns.models import Campaign, TicketType
from tests.factories import CampaignFactory, ManagerFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db


def _users(customer, seller, other_seller, super_admin):
    return {
        "owner": seller,
        "other_seller": other_seller,
        "customer": customer,
        "super_admin": super_admin,
        "anonymous": None,
    }


@pytest.mark.parametrize(
    ("who", "published_status", "draft_status"),
    [
        ("owner", 200, 200),
        ("super_admin", 200, 200),
        ("other_seller", 200, 404),
        ("customer", 200, 404),
        ("anonymous", 200, 404),
    ],
)
def test_detail_shows_drafts_only_to_owner_and_super_admin(
    client_for,
    customer,
    seller,
    other_seller,
    super_admin,
    published,
    draft,
    who,
    published_status,
    draft_status,
):
    client = client_for(_users(customer, seller, other_seller, super_admin)[who])

    assert client.get(f"/api/v1/campaigns/{published.pk}/").status_code == published_status
    response = client.get(f"/api/v1/campaigns/{draft.pk}/")
    assert response.status_code == draft_status
    if draft_status == 404:
        assert response.json()["code"] == "not_found"


def test_detail_of_published_campaign(api_client, published):
    regular, vip = published.ticket_types.order_by("position")
    regular.reserved = 30
    regular.save()

    body = api_client.get(f"/api/v1/campaigns/{published.pk}/").json()

    assert body["status"] == "published"
    assert [(t["id"], t["capacity"], t["remaining"], t["price"]) for t in body["ticket_types"]] == [
        (regular.pk, 100, 70, "5000.00"),
        (vip.pk, 10, 10, "50000.00"),
    ]


@pytest.mark.parametrize(
    ("who", "status"),
    [("other_seller", 403), ("customer", 403), ("super_admin", 403), ("anonymous", (401, 403))],
)
def test_only_the_owner_edits(
    client_for, customer, seller, other_seller, super_admin, published, who, status
):
    client = client_for(_users(customer, seller, other_seller, super_admin)[who])

    response = client.patch(f"/api/v1/campaigns/{published.pk}/", {"title": "Hijacked"})

    assert response.status_code in (status if isinstance(status, tuple) else (status,))
    published.refresh_from_db()
    assert published.title == "Jazz Night"


def test_other_sellers_draft_is_404_on_edit(client_for, other_seller, draft):
    response = client_for(other_seller).patch(f"/api/v1/campaigns/{draft.pk}/", {"title": "X"})

    assert response.status_code == 404
    draft.refresh_from_db()
    assert draft.title == "Draft Gala"


def test_owner_patches_fields_and_prices(client_for, seller, published):
    regular, vip = published.ticket_types.order_by("position")

    response = client_for(seller).patch(
        f"/api/v1/campaigns/{published.pk}/",
        {
            "title": "Jazz Night II",
            "ticket_types": [
                {"id": regular.pk, "price": "6000.00"},
                {"id": vip.pk, "capacity": 12},
                {"name": "Balcony", "price": "8000.00", "capacity": 20},
            ],
        },
        format="json",
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["title"] == "Jazz Night II"
    assert body["slug"] == "jazz-night"
    assert [(t["name"], t["price"], t["capacity"]) for t in body["ticket_types"]] == [
        ("Regular", "6000.00", 100),
        ("VIP table", "50000.00", 12),
        ("Balcony", "8000.00", 20),
    ]


def test_owner_labels_attributes_and_labels_of_removed_attributes_go(client_for, seller, published):
    regular, vip = published.ticket_types.order_by("position")
    url = f"/api/v1/campaigns/{published.pk}/"
    client = client_for(seller)

    labelled = client.patch(
        url,
        {
            "ticket_types": [
                {"id": regular.pk},
                {"id": vip.pk, "attribute_labels": {"table_size": "Seats at the table"}},
            ]
        },
        format="json",
    )
    trimmed = client.patch(
        url,
        {"ticket_types": [{"id": regular.pk}, {"id": vip.pk, "attributes": {"bottle": True}}]},
        format="json",
    )

    assert labelled.status_code == 200, labelled.json()
    assert labelled.json()["ticket_types"][1]["attribute_labels"] == {
        "table_size": "Seats at the table"
    }
    assert trimmed.status_code == 200, trimmed.json()
    assert trimmed.json()["ticket_types"][1]["attributes"] == {"bottle": True}
    assert trimmed.json()["ticket_types"][1]["attribute_labels"] == {}


def test_a_label_for_an_attribute_the_type_lacks_is_refused(client_for, seller, published):
    regular, vip = published.ticket_types.order_by("position")

    response = client_for(seller).patch(
        f"/api/v1/campaigns/{published.pk}/",
        {
            "title": "Renamed",
            "ticket_types": [
                {"id": regular.pk},
                {"id": vip.pk, "attribute_labels": {"towel": "Towel included"}},
            ],
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "detail": "Label for 'towel': there is no attribute called that.",
        "fields": {"attribute_labels": ["Label for 'towel': there is no attribute called that."]},
    }
    vip.refresh_from_db()
    published.refresh_from_db()
    assert (vip.attribute_labels, published.title) == ({}, "Jazz Night")


def test_capacity_cannot_drop_below_reserved(client_for, seller, published):
    regular, vip = published.ticket_types.order_by("position")
    TicketType.objects.filter(pk=regular.pk).update(reserved=40)

    response = client_for(seller).patch(
        f"/api/v1/campaigns/{published.pk}/",
        {"title": "Renamed", "ticket_types": [{"id": regular.pk, "capacity": 39}, {"id": vip.pk}]},
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["code"] == "capacity_below_reserved"
    regular.refresh_from_db()
    published.refresh_from_db()
    assert (regular.capacity, regular.reserved, published.title) == (100, 40, "Jazz Night")


def test_capacity_may_drop_to_exactly_reserved(client_for, seller, published):
    regular, vip = published.ticket_types.order_by("position")
    TicketType.objects.filter(pk=regular.pk).update(reserved=40)

    response = client_for(seller).patch(
        f"/api/v1/campaigns/{published.pk}/",
        {"ticket_types": [{"id": regular.pk, "capacity": 40}, {"id": vip.pk}]},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["ticket_types"][0]["remaining"] == 0


def test_currency_is_fixed_once_seats_are_reserved(client_for, seller, published):
    TicketType.objects.filter(campaign=published, name="Regular").update(reserved=1)

    response = client_for(seller).patch(f"/api/v1/campaigns/{published.pk}/", {"currency": "USD"})

    assert response.status_code == 409
    assert response.json()["code"] == "currency_locked"
    published.refresh_from_db()
    assert published.currency == "NGN"


def test_currency_may_change_before_anything_is_reserved(client_for, seller, published):
    response = client_for(seller).patch(f"/api/v1/campaigns/{published.pk}/", {"currency": "USD"})

    assert response.status_code == 200
    assert response.json()["currency"] == "USD"


def test_removing_a_ticket_type_with_reservations_is_refused(client_for, seller, published):
    regular, vip = published.ticket_types.order_by("position")
    TicketType.objects.filter(pk=vip.pk).update(reserved=2)

    response = client_for(seller).patch(
        f"/api/v1/campaigns/{published.pk}/", {"ticket_types": [{"id": regular.pk}]}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "ticket_type_in_use"
    assert published.ticket_types.count() == 2


def test_removing_an_unreserved_ticket_type(client_for, seller, published):
    regular, vip = published.ticket_types.order_by("position")

    response = client_for(seller).patch(
        f"/api/v1/campaigns/{published.pk}/", {"ticket_types": [{"id": regular.pk}]}, format="json"
    )

    assert response.status_code == 200
    assert list(published.ticket_types.values_list("pk", flat=True)) == [regular.pk]


def test_ticket_type_of_another_campaign_is_refused(client_for, seller, published):
    foreign = TicketTypeFactory()

    response = client_for(seller).patch(
        f"/api/v1/campaigns/{published.pk}/",
        {"ticket_types": [{"id": foreign.pk, "price": "1.00"}]},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "unknown_ticket_type"
    foreign.refresh_from_db()
    assert foreign.price == Decimal("2500.00")
    assert published.ticket_types.count() == 2


@pytest.mark.parametrize(
    "body",
    [
        {"ticket_types": [{"price": "1.00"}]},
        {"ticket_types": [{"name": "X", "price": "-1", "capacity": 1}]},
        {"ends_at": "2000-01-01T00:00:00Z"},
        {"venue_type": "spaceship"},
        {"ticket_types": []},
    ],
)
def test_invalid_edit_is_400_and_changes_nothing(client_for, seller, published, body):
    response = client_for(seller).patch(f"/api/v1/campaigns/{published.pk}/", body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert published.ticket_types.count() == 2
    published.refresh_from_db()
    assert published.venue_type == "event"


@pytest.mark.parametrize("method", ["put", "patch"])
@pytest.mark.parametrize("country", [[], {"a": 1}])
def test_a_wrongly_typed_country_never_wipes_the_campaigns_country(
    client_for, seller, draft, method, country
):
    from tests.campaigns.conftest import campaign_payload

    body = campaign_payload(country=country) if method == "put" else {"country": country}

    response = getattr(client_for(seller), method)(
        f"/api/v1/campaigns/{draft.pk}/", body, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["country"]
    draft.refresh_from_db()
    assert draft.country.code == "NG"


def test_ended_campaign_cannot_be_edited(client_for, seller, published):
    Campaign.objects.filter(pk=published.pk).update(status="ended")

    response = client_for(seller).patch(f"/api/v1/campaigns/{published.pk}/", {"title": "X"})

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


def test_put_replaces_the_campaign(client_for, seller, draft):
    from tests.campaigns.conftest import campaign_payload

    response = client_for(seller).put(
        f"/api/v1/campaigns/{draft.pk}/", campaign_payload(title="Gala"), format="json"
    )

    assert response.status_code == 200
    assert [t["name"] for t in response.json()["ticket_types"]] == ["Regular", "VIP table"]
    assert draft.ticket_types.count() == 2


# --- publish --------------------------------------------------------------------------


def test_owner_publishes_a_draft(client_for, seller, draft):
    response = client_for(seller).post(f"/api/v1/campaigns/{draft.pk}/publish/")

    assert response.status_code == 200
    assert response.json()["status"] == "published"
    draft.refresh_from_db()
    assert draft.published_at is not None
    assert AuditEvent.objects.filter(action="campaign.published").count() == 1


def test_publishing_needs_a_ticket_type(client_for, seller):
    campaign = CampaignFactory(seller=seller, status="draft")

    response = client_for(seller).post(f"/api/v1/campaigns/{campaign.pk}/publish/")

    assert response.status_code == 400
    assert response.json()["code"] == "not_publishable"
    campaign.refresh_from_db()
    assert campaign.status == "draft"


def test_publishing_needs_a_future_start(client_for, seller):
    starts = timezone.now() - timedelta(hours=1)
    campaign = CampaignFactory(seller=seller, status="draft", starts_at=starts)
    TicketTypeFactory(campaign=campaign)

    response = client_for(seller).post(f"/api/v1/campaigns/{campaign.pk}/publish/")

    assert response.status_code == 400
    assert response.json()["code"] == "not_publishable"
    campaign.refresh_from_db()
    assert campaign.status == "draft"


@pytest.mark.parametrize("status", ["published", "ended", "cancelled"])
def test_only_drafts_are_published(client_for, seller, published, status):
    Campaign.objects.filter(pk=published.pk).update(status=status)

    response = client_for(seller).post(f"/api/v1/campaigns/{published.pk}/publish/")

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    published.refresh_from_db()
    assert published.status == status


@pytest.mark.parametrize(
    ("who", "status"), [("other_seller", 404), ("customer", 403), ("super_admin", 403)]
)
def test_only_the_owner_publishes(
    client_for, customer, seller, other_seller, super_admin, draft, who, status
):
    client = client_for(_users(customer, seller, other_seller, super_admin)[who])

    assert client.post(f"/api/v1/campaigns/{draft.pk}/publish/").status_code == status
    draft.refresh_from_db()
    assert draft.status == "draft"


# --- cancel ---------------------------------------------------------------------------


@pytest.fixture
def queued_settlements(monkeypatch):
    """What the cancellation queued for the payments app to settle (holds, refunds)."""
    from payments import tasks as payment_tasks

    queued = []
    monkeypatch.setattr(
        payment_tasks.refund_cancelled_campaign, "delay", lambda **kwargs: queued.append(kwargs)
    )
    return queued


def test_cancel_stops_sales_and_queues_the_settlement_of_its_bookings_after_commit(
    client_for, seller, customer, published, queued_settlements, django_capture_on_commit_callbacks
):
    from bookings import services as booking_services

    regular = published.ticket_types.get(name="Regular")
    booking_services.booking_create(
        customer=customer,
        campaign_id=published.pk,
        items=[{"ticket_type": regular.pk, "quantity": 1}],
        issuance="single",
    )

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client_for(seller).post(f"/api/v1/campaigns/{published.pk}/cancel/")
    assert queued_settlements == []
    for callback in callbacks:
        callback()

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert queued_settlements == [{"campaign_id": published.pk}]
    listed = client_for(None).get("/api/v1/campaigns/").json()
    assert listed["count"] == 0


def test_cancelling_a_campaign_without_bookings_queues_nothing(
    client_for, seller, draft, queued_settlements, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(seller).post(f"/api/v1/campaigns/{draft.pk}/cancel/")

    assert response.status_code == 200
    assert queued_settlements == []


@pytest.mark.parametrize("status", ["ended", "cancelled"])
def test_only_draft_or_published_campaigns_cancel(client_for, seller, published, status):
    Campaign.objects.filter(pk=published.pk).update(status=status)

    response = client_for(seller).post(f"/api/v1/campaigns/{published.pk}/cancel/")

    assert response.status_code == 409
    published.refresh_from_db()
    assert published.status == status


@pytest.mark.parametrize(
    ("who", "status"),
    [("other_seller", 403), ("customer", 403), ("super_admin", 403), ("anonymous", (401, 403))],
)
def test_only_the_owner_cancels(
    client_for, customer, seller, other_seller, super_admin, published, who, status
):
    client = client_for(_users(customer, seller, other_seller, super_admin)[who])

    response = client.post(f"/api/v1/campaigns/{published.pk}/cancel/")

    assert response.status_code in (status if isinstance(status, tuple) else (status,))
    published.refresh_from_db()
    assert published.status == "published"


# --- end ------------------------------------------------------------------------------


def test_beat_job_ends_finished_published_campaigns_only():
    past = timezone.now() - timedelta(days=2)
    finished = CampaignFactory(starts_at=past, ends_at=past + timedelta(hours=3))
    finished_draft = CampaignFactory(
        status="draft", starts_at=past, ends_at=past + timedelta(hours=3)
    )
    upcoming = CampaignFactory()

    assert tasks.end_finished_campaigns.delay().get() == 1
    assert tasks.end_finished_campaigns.delay().get() == 0

    statuses = dict(Campaign.objects.values_list("pk", "status"))
    assert statuses == {finished.pk: "ended", finished_draft.pk: "draft", upcoming.pk: "published"}


# --- availability ---------------------------------------------------------------------


def test_availability_for_anyone_on_published(api_client, published):
    regular, vip = published.ticket_types.order_by("position")
    TicketType.objects.filter(pk=vip.pk).update(reserved=3)

    response = api_client.get(f"/api/v1/campaigns/{published.pk}/availability/")

    assert response.json() == {
        "ticket_types": [{"id": regular.pk, "remaining": 100}, {"id": vip.pk, "remaining": 7}]
    }


def test_availability_of_a_draft_is_404_for_others(client_for, api_client, seller, draft):
    assert api_client.get(f"/api/v1/campaigns/{draft.pk}/availability/").status_code == 404
    assert client_for(seller).get(f"/api/v1/campaigns/{draft.pk}/availability/").status_code == 200


# --- managers -------------------------------------------------------------------------


def test_owner_assigns_a_manager_at_once_and_changes_no_role(client_for, seller, published):
    manager = ManagerFactory(email="door@example.com", name="")

    response = client_for(seller).post(
        f"/api/v1/campaigns/{published.pk}/managers/", {"email": "Door@Example.com"}
    )

    assert response.status_code == 201
    assert response.json() == {"id": manager.pk, "email": "door@example.com", "name": ""}
    manager.refresh_from_db()
    assert manager.role == Role.MANAGER
    assert list(published.managers.all()) == [manager]
    assert AuditEvent.objects.filter(action="campaign.manager_assigned").count() == 1
    assert not AuditEvent.objects.filter(action="user.role_changed").exists()
    listed = client_for(seller).get(f"/api/v1/campaigns/{published.pk}/managers/").json()
    assert listed == [{"id": manager.pk, "email": "door@example.com", "name": ""}]


def test_owner_removes_a_manager(client_for, seller, published):
    manager = ManagerFactory(email="door@example.com")
    published.managers.add(manager)

    response = client_for(seller).delete(
        f"/api/v1/campaigns/{published.pk}/managers/", {"email": "door@example.com"}
    )

    assert response.status_code == 204
    assert published.managers.count() == 0
    manager.refresh_from_db()
    assert manager.role == Role.MANAGER


def test_removing_someone_who_is_not_a_manager_is_404(client_for, seller, published):
    response = client_for(seller).delete(
        f"/api/v1/campaigns/{published.pk}/managers/?email=nobody@example.com"
    )

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_manager_email_must_be_valid(client_for, seller, published):
    response = client_for(seller).post(
        f"/api/v1/campaigns/{published.pk}/managers/", {"email": "not-an-email"}
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {"email": ["Enter a valid email address."]}
    assert User.objects.filter(role=Role.MANAGER).count() == 0


@pytest.mark.parametrize(
    ("who", "status"),
    [("other_seller", 403), ("customer", 403), ("super_admin", 403), ("anonymous", (401, 403))],
)
def test_only_the_owner_manages_managers(
    client_for, customer, seller, other_seller, super_admin, published, who, status
):
    client = client_for(_users(customer, seller, other_seller, super_admin)[who])

    response = client.post(
        f"/api/v1/campaigns/{published.pk}/managers/", {"email": "door@example.com"}
    )

    assert response.status_code in (status if isinstance(status, tuple) else (status,))
    assert not User.objects.filter(email="door@example.com").exists()
    assert not ManagerInvitation.objects.exists()


def test_seller_lists_own_campaigns_in_every_status(
    client_for, seller, other_seller, published, draft
):
    CampaignFactory(seller=other_seller)

    response = client_for(seller).get("/api/v1/campaigns/mine/")

    assert response.status_code == 200
    assert sorted(c["id"] for c in response.json()["results"]) == sorted([published.pk, draft.pk])
