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
