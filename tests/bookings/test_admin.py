"""The bookings admin shows bookings and their tickets and changes nothing."""

import re

import pytest

from bookings.models import Booking

pytestmark = pytest.mark.django_db


def test_a_booking_is_shown_read_only_with_its_tickets_and_no_token(
    client, super_admin, customer, ticket_type, confirm
):
    booking = confirm(customer, ticket_type, quantity=2)
    ticket = booking.tickets.get()
    client.force_login(super_admin)
    url = f"/admin/bookings/booking/{booking.pk}/change/"

    page = client.get(url)
    post = client.post(url, {"status": "refunded"})

    html = page.content.decode()
    assert page.status_code == 200
    assert booking.reference in html
    form = html.split('id="booking_form"')[1].split("</form>")[0]
    fields = re.findall(r"<(?:input|select|textarea)[^>]*>", form)
    assert [field for field in fields if 'type="hidden"' not in field] == []
    assert ticket.qr_token not in html
    assert post.status_code == 403
    assert Booking.objects.get(pk=booking.pk).status == "confirmed"


def test_waiting_lists_and_offers_are_listed_read_only(client, super_admin, ticket_type):
    from bookings import services
    from bookings.models import Offer, WaitingListEntry
    from bookings.waitlist import services as waiting_lists
    from tests.factories import TicketTypeFactory, UserFactory, booked

    small = TicketTypeFactory(campaign=ticket_type.campaign, name="Front row", capacity=2)
    holder = booked(UserFactory(), small, 2)
    first, second = UserFactory(email="first@example.com"), UserFactory(email="second@example.com")
    for customer in (first, second):
        waiting_lists.waiting_list_join(customer=customer, ticket_type_id=small.pk, quantity=1)
    services.booking_cancel(booking_id=holder.pk, customer=holder.customer)
    client.force_login(super_admin)

    entries = client.get("/admin/bookings/waitinglistentry/")
    offers = client.get("/admin/bookings/offer/", {"q": "first@example.com"})
    offer = Offer.objects.get(entry__customer=first)
    edit = client.post(f"/admin/bookings/offer/{offer.pk}/change/", {"status": "booked"})

    assert entries.status_code == 200
    assert "2 waiting-list entries" in entries.content.decode()
    assert "first@example.com" in entries.content.decode()
    assert "second@example.com" in entries.content.decode()
    assert offers.status_code == 200
    assert "Front row" in offers.content.decode()
    assert edit.status_code == 403
    assert WaitingListEntry.objects.filter(status="offered").count() == 2
