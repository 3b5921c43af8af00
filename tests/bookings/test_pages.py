"""The bookings pages: book from the campaign page, the booking page, lists, the seller view."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from bookings import services
from bookings.models import Booking
from campaigns.models import TicketType
from tests.factories import SellerFactory, UserFactory

pytestmark = pytest.mark.django_db


def _book_form(ticket_type, quantity, **extra):
    return {
        f"quantity_{ticket_type.pk}": quantity,
        "issuance": "separate",
        "holder_names": "Ada\n\nBola\n",
        "idempotency_key": "form-1",
        **extra,
    }


def test_booking_form_holds_seats_and_lands_on_the_booking_page(client, customer, ticket_type):
    client.force_login(customer)
    url = f"/campaigns/{ticket_type.campaign.slug}/book/"

    response = client.post(url, _book_form(ticket_type, 2))
    again = client.post(url, _book_form(ticket_type, 2))

    booking = Booking.objects.get()
    assert response.status_code == again.status_code == 302
    assert response["Location"] == again["Location"] == f"/bookings/{booking.pk}/"
    assert booking.holder_names == ["Ada", "Bola"]
    assert booking.issuance == "separate"
    assert TicketType.objects.get(pk=ticket_type.pk).reserved == 2
    page = client.get(response["Location"])
    assert page.status_code == 200
    content = page.content.decode()
    assert 'id="countdown"' in content
    assert "Total: <strong>NGN 5000.00</strong>" in content
    assert booking.reference in content


@pytest.mark.parametrize(
    ("quantity", "message"),
    [(0, "Choose at least one ticket."), (11, "Ensure this value is less than or equal to 10.")],
)
def test_booking_form_refusals_go_back_with_a_message(
    client, customer, ticket_type, quantity, message
):
    client.force_login(customer)
    response = client.post(
        f"/campaigns/{ticket_type.campaign.slug}/book/",
        _book_form(ticket_type, quantity),
        follow=False,
    )
    assert response.status_code == 302
    assert response["Location"] == ticket_type.campaign.get_absolute_url()
    assert [str(m) for m in response.wsgi_request._messages] == [message]
    assert Booking.objects.count() == 0


def test_booking_form_sold_out_message(client, customer, ticket_type):
    client.force_login(customer)
    TicketType.objects.filter(pk=ticket_type.pk).update(capacity=1)
    response = client.post(
        f"/campaigns/{ticket_type.campaign.slug}/book/", _book_form(ticket_type, 2)
    )
    assert [str(m) for m in response.wsgi_request._messages] == [
        "Not enough tickets left: General (1 left)."
    ]
    assert Booking.objects.count() == 0


def test_booking_pages_need_sign_in(client, ticket_type):
    assert client.get("/bookings/").status_code == 302
    response = client.post(
        f"/campaigns/{ticket_type.campaign.slug}/book/", _book_form(ticket_type, 1)
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert Booking.objects.count() == 0


def test_my_bookings_lists_mine_only_and_others_booking_page_is_404(
    client, customer, ticket_type, book
):
    mine = book(customer, ticket_type)
    theirs = book(UserFactory(), ticket_type)
    client.force_login(customer)

    listing = client.get("/bookings/").content.decode()

    assert mine.reference in listing
    assert theirs.reference not in listing
    assert "Pending payment" in listing
    assert client.get(f"/bookings/{theirs.pk}/").status_code == 404


def test_a_pending_booking_page_counts_down_the_servers_seconds_and_offers_pay(
    client, customer, ticket_type, book, settings
):
    settings.BOOKING_HOLD_SECONDS = 600
    booking = book(customer, ticket_type)
    client.force_login(customer)

    content = client.get(f"/bookings/{booking.pk}/").content.decode()

    # The server's own count (rounded up), whatever the phone's clock says.
    assert re.search(r'data-seconds-left="(\d+)"', content).group(1) in ("600", "599")
    assert 'data-testid="pay"' in content
    assert "Cancel booking" in content
    assert 'id="hold-ended"' not in content


@pytest.mark.parametrize("released", [True, False], ids=["expired", "overdue_not_yet_released"])
def test_an_ended_hold_page_says_it_expired_and_offers_to_book_again_never_to_pay(
    client, customer, ticket_type, book, released
):
    booking = book(customer, ticket_type, quantity=2)
    Booking.objects.filter(pk=booking.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    if released:
        services.expire_all_overdue_holds()
    client.force_login(customer)

    content = client.get(f"/bookings/{booking.pk}/").content.decode()
    listing = client.get("/bookings/").content.decode()

    assert f"Booking {booking.reference} · Expired</small>" in content
    assert "<strong>This booking has expired.</strong>" in content
    assert (
        f'<a href="/campaigns/{ticket_type.campaign.slug}/" role="button">Book again</a>' in content
    )
    assert 'data-testid="pay"' not in content
    assert f"/payments/pay/{booking.pk}/" not in content
    assert "Cancel booking" not in content
    assert 'id="countdown"' not in content
    assert "<td>Expired</td>" in listing
    # Showing the page releases nothing: that is the booking path's and the job's work.
    assert Booking.objects.get(pk=booking.pk).status == (
        "expired" if released else "pending_payment"
    )


def test_cancel_from_the_booking_page(client, customer, ticket_type, book):
    booking = book(customer, ticket_type, quantity=2)
    client.force_login(customer)

    response = client.post(f"/bookings/{booking.pk}/cancel/")

    assert response.status_code == 302
    assert Booking.objects.get(pk=booking.pk).status == "cancelled"
    assert TicketType.objects.get(pk=ticket_type.pk).reserved == 0
    assert client.post(f"/bookings/{booking.pk}/cancel/").status_code == 302
    assert (
        client.post(f"/bookings/{book(UserFactory(), ticket_type).pk}/cancel/").status_code == 404
    )


def test_seller_sees_bookings_of_own_campaign_only(client, customer, ticket_type, book):
    booking = book(customer, ticket_type, quantity=2)
    services.confirm_booking(booking_id=booking.pk, source="webhook")
    url = f"/seller/campaigns/{ticket_type.campaign_id}/bookings/"

    client.force_login(ticket_type.campaign.seller)
    page = client.get(url)
    assert page.status_code == 200
    assert booking.reference in page.content.decode()
    assert "customer@example.com" in page.content.decode()

    client.force_login(SellerFactory())
    assert client.get(url).status_code == 404
    client.force_login(customer)
    assert client.get(url).status_code == 403


def test_campaign_page_offers_the_booking_form_to_signed_in_users(client, customer, ticket_type):
    url = f"/campaigns/{ticket_type.campaign.slug}/"

    anonymous = client.get(url).content.decode()
    client.force_login(customer)
    signed_in = client.get(url).content.decode()

    assert "Sign in</a> to book." in anonymous
    assert f'action="/campaigns/{ticket_type.campaign.slug}/book/"' in signed_in
    assert f'name="quantity_{ticket_type.pk}"' in signed_in
