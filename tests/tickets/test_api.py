"""PDF downloads: only the booking's customer gets them; everyone else sees nothing."""

import io

import pytest
from pypdf import PdfReader

from bookings.models import Booking
from tests.factories import SellerFactory, SuperAdminFactory, UserFactory

pytestmark = pytest.mark.django_db


def _page_count(content: bytes) -> int:
    return len(PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
def separate_booking(confirm, holder, table_type):
    return confirm(holder, table_type, quantity=2, issuance="separate")


def test_the_owner_downloads_one_ticket(client_for, holder, separate_booking):
    ticket = separate_booking.tickets.order_by("pk")[1]

    response = client_for(holder).get(f"/api/v1/tickets/{ticket.pk}/pdf/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="ticket-{ticket.pk}.pdf"'
    assert _page_count(response.content) == 1


def test_the_owner_downloads_the_booking_and_it_is_kept(client_for, holder, separate_booking):
    client = client_for(holder)

    response = client.get(
        f"/api/v1/bookings/{separate_booking.pk}/pdf/", HTTP_ACCEPT="application/pdf"
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="tickets-{separate_booking.reference}.pdf"'
    )
    content = b"".join(response.streaming_content)
    assert _page_count(content) == 2
    separate_booking.refresh_from_db()
    stored_name = separate_booking.tickets_pdf.name
    with separate_booking.tickets_pdf.open("rb") as stored:
        assert stored.read() == content
    again = client.get(f"/api/v1/bookings/{separate_booking.pk}/pdf/")
    assert b"".join(again.streaming_content) == content
    separate_booking.refresh_from_db()
    assert separate_booking.tickets_pdf.name == stored_name


@pytest.mark.parametrize(
    "make_user", [UserFactory, SellerFactory, SuperAdminFactory], ids=lambda f: f.__name__
)
def test_anyone_else_signed_in_gets_404_and_nothing_is_rendered(
    client_for, separate_booking, make_user
):
    # The campaign's own seller is not the ticket holder either.
    user = separate_booking.campaign.seller if make_user is SellerFactory else make_user()
    client = client_for(user)
    ticket = separate_booking.tickets.first()

    for path in (
        f"/api/v1/tickets/{ticket.pk}/pdf/",
        f"/api/v1/bookings/{separate_booking.pk}/pdf/",
    ):
        response = client.get(path)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    separate_booking.refresh_from_db()
    assert separate_booking.tickets_pdf.name == ""


def test_anonymous_clients_are_refused(client_for, separate_booking):
    client = client_for(None)
    ticket = separate_booking.tickets.first()

    for path in (
        f"/api/v1/tickets/{ticket.pk}/pdf/",
        f"/api/v1/bookings/{separate_booking.pk}/pdf/",
    ):
        response = client.get(path)
        assert response.status_code == 401
        assert response.json()["code"] == "not_authenticated"
    separate_booking.refresh_from_db()
    assert separate_booking.tickets_pdf.name == ""


def test_a_refunded_booking_has_no_pdf_to_download(client_for, holder, separate_booking):
    Booking.objects.filter(pk=separate_booking.pk).update(status=Booking.Status.REFUNDED)
    client = client_for(holder)
    ticket = separate_booking.tickets.first()

    for path in (
        f"/api/v1/tickets/{ticket.pk}/pdf/",
        f"/api/v1/bookings/{separate_booking.pk}/pdf/",
    ):
        response = client.get(path, HTTP_ACCEPT="application/pdf")
        assert response.status_code == 409
        assert response["Content-Type"] == "application/json"
        assert response.json()["code"] == "tickets_unavailable"
    separate_booking.refresh_from_db()
    assert separate_booking.tickets_pdf.name == ""


def test_the_schema_documents_both_downloads(api_client):
    paths = api_client.get("/api/schema/?format=json").json()["paths"]

    for path in ("/api/v1/tickets/{id}/pdf/", "/api/v1/bookings/{id}/pdf/"):
        assert list(paths[path]["get"]["responses"]["200"]["content"]) == ["application/pdf"]
