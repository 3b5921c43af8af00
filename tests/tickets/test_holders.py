"""Names on tickets: given per ticket at booking, corrected until the cut-off, audited."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import AuditEvent
from bookings import services
from bookings.models import Booking, Ticket
from campaigns.models import Campaign, TicketType
from tests.factories import ManagerFactory, UserFactory
from tests.tickets.conftest import HOLDERS, pdf_text
from validation.services import scan_ticket

pytestmark = pytest.mark.django_db

BOOKINGS = "/api/v1/bookings/"


def _tickets(booking) -> list[tuple]:
    return list(booking.tickets.order_by("pk").values_list("holder_name", "holder_email", "status"))


def test_a_separate_booking_names_each_ticket_and_the_api_shows_them(
    client_for, holder, table_type
):
    response = client_for(holder).post(
        BOOKINGS,
        {
            "campaign": table_type.campaign_id,
            "items": [{"ticket_type": table_type.pk, "quantity": 3}],
            "issuance": "separate",
            "holders": [{**h, "name": f"  {h['name']} "} for h in HOLDERS],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    booking = Booking.objects.get(pk=response.json()["id"])
    assert booking.holder_names == ["Grace Holder", "Tola Friend", "Kwame Mensah"]
    assert booking.holder_emails == ["grace@example.com", "", ""]

    services.confirm_booking(booking_id=booking.pk, source="test")

    tickets = client_for(holder).get(f"{BOOKINGS}{booking.pk}/").json()["tickets"]
    assert [(t["holder_name"], t["holder_email"], t["admits"]) for t in tickets] == [
        ("Grace Holder", "grace@example.com", 1),
        ("Tola Friend", "", 1),
        ("Kwame Mensah", "", 1),
    ]


@pytest.mark.parametrize(
    ("issuance", "holders", "field"),
    [
        ("separate", HOLDERS[:2], "holders"),  # one short
        ("separate", [*HOLDERS, {"name": "Extra"}], "holders"),
        ("separate", [HOLDERS[0], {"name": "   "}, HOLDERS[2]], "holders"),
        ("separate", [HOLDERS[0], {"name": ""}, HOLDERS[2]], "holders"),
        ("separate", [HOLDERS[0], {"name": "x" * 151}, HOLDERS[2]], "holders"),
        ("separate", [HOLDERS[0], {"name": "Ann", "email": "not-mail"}, HOLDERS[2]], "holders"),
        ("separate", [HOLDERS[0], {"name": 7}, HOLDERS[2]], "holders"),
        ("single", HOLDERS, "holders"),
    ],
)
def test_bad_holders_are_refused_and_hold_nothing(
    client_for, holder, table_type, issuance, holders, field
):
    response = client_for(holder).post(
        BOOKINGS,
        {
            "campaign": table_type.campaign_id,
            "items": [{"ticket_type": table_type.pk, "quantity": 3}],
            "issuance": issuance,
            "holders": holders,
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert field in response.json()["fields"]
    assert Booking.objects.count() == 0
    assert TicketType.objects.get(pk=table_type.pk).reserved == 0


def test_the_owner_corrects_a_name_the_pdf_follows_and_the_qr_stays_valid(
    client_for, trio, django_capture_on_commit_callbacks
):
    ticket = trio.tickets.order_by("pk")[1]
    token = ticket.qr_token

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(trio.customer).patch(
            f"/api/v1/tickets/{ticket.pk}/",
            {"holder_name": " Tola Adebayo ", "holder_email": "Tola@Example.com"},
            format="json",
        )

    assert response.status_code == 200
    assert response.json() == {
        "id": ticket.pk,
        "ticket_type": ticket.ticket_type_id,
        "holder_name": "Tola Adebayo",
        "holder_email": "tola@example.com",
        "admits": 1,
        "scans_allowed": 2,
        "scans_used": 0,
        "status": "valid",
        "booking": trio.pk,
        "campaign": trio.campaign_id,
    }
    ticket.refresh_from_db()
    assert ticket.qr_token == token
    (event,) = AuditEvent.objects.filter(action="ticket.holder_changed")
    assert (event.actor_id, event.target_id) == (trio.customer_id, str(ticket.pk))
    assert event.metadata == {
        "before": {"holder_name": "Tola Friend", "holder_email": ""},
        "after": {"holder_name": "Tola Adebayo", "holder_email": "tola@example.com"},
    }
    # The booking's stored PDF was rendered again by the task, with the new name.
    trio.refresh_from_db()
    with trio.tickets_pdf.open("rb") as stored:
        assert "Holder Tola Adebayo" in pdf_text(stored.read())
    single = client_for(trio.customer).get(f"/api/v1/tickets/{ticket.pk}/pdf/")
    assert "Holder Tola Adebayo" in pdf_text(single.content)
    manager = ManagerFactory()
    trio.campaign.managers.add(manager)
    assert scan_ticket(manager=manager, qr=token, device_id="door").result == "valid"


@pytest.mark.parametrize(
    "body",
    [
        {"holder_name": ""},
        {"holder_name": "   "},
        {"holder_name": "x" * 151},
        {"holder_name": 5},
        {"holder_name": None},
        {"holder_email": "not-an-address"},
        {},
    ],
)
def test_an_empty_or_too_long_name_is_refused_and_nothing_changes(client_for, trio, body):
    ticket = trio.tickets.order_by("pk")[0]

    response = client_for(trio.customer).patch(f"/api/v1/tickets/{ticket.pk}/", body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert _tickets(trio)[0] == ("Grace Holder", "grace@example.com", "valid")
    assert not AuditEvent.objects.filter(action="ticket.holder_changed").exists()


def test_names_close_at_the_cut_off_and_for_void_tickets(client_for, trio):
    ticket, void = trio.tickets.order_by("pk")[:2]
    Ticket.objects.filter(pk=void.pk).update(status=Ticket.Status.VOID)
    Campaign.objects.filter(pk=trio.campaign_id).update(
        name_change_cutoff=timezone.now() - timedelta(minutes=1)
    )
    client = client_for(trio.customer)

    closed = client.patch(f"/api/v1/tickets/{ticket.pk}/", {"holder_name": "Late"}, format="json")
    Campaign.objects.filter(pk=trio.campaign_id).update(name_change_cutoff=None)
    voided = client.patch(f"/api/v1/tickets/{void.pk}/", {"holder_name": "Void"}, format="json")

    assert (closed.status_code, closed.json()["code"]) == (409, "name_change_closed")
    assert (voided.status_code, voided.json()["code"]) == (409, "name_change_closed")
    assert [name for name, _, _ in _tickets(trio)] == [h["name"] for h in HOLDERS]
    assert not AuditEvent.objects.filter(action="ticket.holder_changed").exists()


def test_the_start_is_the_default_cut_off(client_for, trio):
    Campaign.objects.filter(pk=trio.campaign_id).update(
        starts_at=timezone.now() - timedelta(minutes=1)
    )
    ticket = trio.tickets.order_by("pk")[0]

    response = client_for(trio.customer).patch(
        f"/api/v1/tickets/{ticket.pk}/", {"holder_name": "Late"}, format="json"
    )

    assert (response.status_code, response.json()["code"]) == (409, "name_change_closed")


def test_someone_elses_ticket_is_not_found_and_anonymous_is_refused(client_for, trio):
    ticket = trio.tickets.order_by("pk")[0]
    url = f"/api/v1/tickets/{ticket.pk}/"

    stranger = client_for(UserFactory()).patch(url, {"holder_name": "Mine"}, format="json")
    anonymous = client_for(None).patch(url, {"holder_name": "Mine"}, format="json")
    read = client_for(UserFactory()).get(url)
    missing = client_for(trio.customer).patch(
        "/api/v1/tickets/999999/", {"holder_name": "Mine"}, format="json"
    )

    assert (stranger.status_code, stranger.json()["code"]) == (404, "not_found")
    assert anonymous.status_code == 401
    assert read.status_code == 404
    assert missing.status_code == 404
    assert _tickets(trio)[0] == ("Grace Holder", "grace@example.com", "valid")


def test_the_booking_form_asks_a_name_per_ticket_and_refuses_a_missing_one(
    client, holder, table_type
):
    client.force_login(holder)
    url = f"/campaigns/{table_type.campaign.slug}/book/"
    form = {
        f"quantity_{table_type.pk}": "2",
        "issuance": "separate",
        "holder_1_name": "Grace Holder",
        "idempotency_key": "k1",
    }

    refused = client.post(url, form)
    booked = client.post(
        url, {**form, "holder_2_name": "Tola Friend", "holder_2_email": "tola@example.com"}
    )

    html = refused.content.decode()
    assert refused.status_code == 200
    assert (
        '<ul class="errorlist" id="id_holder_2_name_error"><li>Give the name on ticket 2.' in html
    )
    assert 'name="holder_1_name" value="Grace Holder"' in html
    assert booked.status_code == 302
    booking = Booking.objects.get()
    assert (booking.holder_names, booking.holder_emails) == (
        ["Grace Holder", "Tola Friend"],
        ["", "tola@example.com"],
    )
