"""The waiting-list pages: join and leave from the campaign page, the offer card, booking an
offer, and the seller's lists; refusals say why and change nothing."""

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from bookings import services
from bookings.models import Booking, Offer, WaitingListEntry
from bookings.waitlist import services as waiting_lists
from tests.factories import SellerFactory, TicketTypeFactory, UserFactory, booked

pytestmark = pytest.mark.django_db


@pytest.fixture
def small(campaign):
    """Two seats, held by another customer."""
    ticket_type = TicketTypeFactory(campaign=campaign, name="Front row", capacity=2)
    booked(UserFactory(), ticket_type, 2)
    return ticket_type


def join_url(ticket_type, leave=False) -> str:
    path = f"/campaigns/{ticket_type.campaign.slug}/waiting-list/{ticket_type.pk}/"
    return path + ("leave/" if leave else "")


def flashed(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_campaign_page_offers_the_sold_out_type_a_waiting_list(client, customer, small):
    client.force_login(customer)

    page = client.get(small.campaign.get_absolute_url()).content.decode()

    assert 'id="waiting-list"' in page
    assert f'action="{join_url(small)}"' in page


def test_joining_from_the_page_shows_the_place_in_line(client, customer, small):
    client.force_login(customer)
    waiting_lists.waiting_list_join(customer=UserFactory(), ticket_type_id=small.pk, quantity=1)

    response = client.post(join_url(small), {"quantity": "2"})

    assert response.status_code == 302
    assert response["Location"] == f"{small.campaign.get_absolute_url()}#waiting-list"
    assert flashed(response) == [
        "You are on the waiting list for Front row: number 2 in line. "
        "We e-mail you when seats come free."
    ]
    page = client.get(small.campaign.get_absolute_url()).content.decode()
    assert "You are number 2 in line for 2 seats." in page


@pytest.mark.parametrize("quantity", ["", "two", "-1", "0", "11"])
def test_a_bad_quantity_is_refused_with_a_message(client, customer, small, quantity):
    client.force_login(customer)

    response = client.post(join_url(small), {"quantity": quantity})

    assert response.status_code == 302
    assert flashed(response) in (
        ["Choose how many seats you want."],
        ["Choose 1 to 10 seats."],
    )
    assert not WaitingListEntry.objects.exists()


def test_joining_a_type_on_sale_from_the_page_says_to_book(client, customer, campaign):
    on_sale = TicketTypeFactory(campaign=campaign, name="Balcony", capacity=5)
    client.force_login(customer)

    response = client.post(join_url(on_sale), {"quantity": "1"})

    assert flashed(response) == ["5 seats of Balcony are on sale: book them."]
    assert not WaitingListEntry.objects.exists()


def test_leaving_from_the_page(client, customer, small):
    waiting_lists.waiting_list_join(customer=customer, ticket_type_id=small.pk, quantity=1)
    client.force_login(customer)

    response = client.post(join_url(small, leave=True))

    assert flashed(response) == ["You left the waiting list."]
    assert WaitingListEntry.objects.get().status == "left"
    again = client.post(join_url(small, leave=True))
    assert flashed(again)[-1] == "You are not on this waiting list."


def test_signed_out_visitors_are_sent_to_sign_in(client, small):
    response = client.post(join_url(small), {"quantity": "1"})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not WaitingListEntry.objects.exists()


@pytest.fixture
def offer(customer, small):
    waiting_lists.waiting_list_join(customer=customer, ticket_type_id=small.pk, quantity=2)
    hold = Booking.objects.get()
    services.booking_cancel(booking_id=hold.pk, customer=hold.customer)
    return Offer.objects.get()


def test_the_offer_link_shows_the_offer_card_and_books(client, customer, small, offer):
    client.force_login(customer)
    campaign_url = small.campaign.get_absolute_url()

    page = client.get(f"{campaign_url}?offer={offer.token}").content.decode()
    response = client.post(
        f"/campaigns/{small.campaign.slug}/offer/", {"offer": offer.token, "idempotency_key": "o-1"}
    )

    assert "Book my 2 seats" in page
    booking = Booking.objects.get(customer=customer)
    assert response["Location"] == f"/bookings/{booking.pk}/"
    assert Offer.objects.get().status == "booked"


def test_someone_elses_offer_link_books_nothing(client, small, offer):
    client.force_login(UserFactory())
    campaign_url = small.campaign.get_absolute_url()

    page = client.get(f"{campaign_url}?offer={offer.token}").content.decode()
    response = client.post(f"/campaigns/{small.campaign.slug}/offer/", {"offer": offer.token})

    assert "This offer link no longer books anything" in page
    assert "Book my 2 seats" not in page
    assert flashed(response) == ["This offer was made to someone else."]
    assert Offer.objects.get().status == "open"
    assert Booking.objects.count() == 1


def test_a_lapsed_offer_link_books_nothing(client, customer, small, offer):
    Offer.objects.update(expires_at=timezone.now())
    client.force_login(customer)

    response = client.post(f"/campaigns/{small.campaign.slug}/offer/", {"offer": offer.token})

    assert flashed(response) == [
        "This offer has lapsed; its seats went to the next person in line."
    ]
    assert Offer.objects.get().status == "lapsed"
    assert not Booking.objects.filter(customer=customer).exists()


def test_the_seller_sees_the_lists_and_others_do_not(client, customer, small, offer):
    waiting_lists.waiting_list_join(
        customer=UserFactory(email="next@example.com"), ticket_type_id=small.pk, quantity=1
    )
    url = f"/seller/campaigns/{small.campaign.pk}/waiting-lists/"

    client.force_login(small.campaign.seller)
    page = client.get(url).content.decode()
    client.force_login(SellerFactory())
    other_seller = client.get(url)
    client.force_login(customer)
    as_customer = client.get(url)

    assert "1 waiting for 1 seat" in page
    assert "customer@example.com" in page
    assert "next@example.com" in page
    assert "Offered until" in page
    assert (other_seller.status_code, as_customer.status_code) == (403, 403)
