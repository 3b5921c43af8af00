"""In headless Chromium: the waiting list from joining on the sold-out campaign page to
booking the offered seats from the link in the offer e-mail."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from bookings import services
from bookings.models import Booking, Offer
from tests.factories import TicketTypeFactory, UserFactory, booked

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_customer_joins_gets_the_offer_by_email_follows_the_link_and_books(
    live_server, settings, chromium_page_as, customer, campaign
):
    from playwright.sync_api import expect

    settings.SITE_URL = live_server.url
    front_row = TicketTypeFactory(
        campaign=campaign, name="Front row", capacity=2, max_per_booking=2, price="4000.00"
    )
    other_hold = booked(UserFactory(), front_row, 2)
    page = chromium_page_as(customer)

    page.goto(f"{live_server.url}{campaign.get_absolute_url()}")
    page.get_by_label("Seats of Front row").fill("2")
    page.get_by_role("button", name="Join the waiting list for Front row").click()

    expect(page.get_by_role("status")).to_contain_text("number 1 in line")
    expect(page.get_by_test_id("waiting-position")).to_have_text(
        "You are number 1 in line for 2 seats."
    )
    assert mail.outbox == []

    # The other customer's hold runs out; the expiry job releases it.
    Booking.objects.filter(pk=other_hold.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert services.expire_all_overdue_holds() == 1

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [customer.email]
    link = re.search(r"http://\S+\?offer=\S+#offer", mail.outbox[0].body).group(0)
    assert link.startswith(f"{live_server.url}{campaign.get_absolute_url()}?offer=")
    page.goto(link)
    expect(page.locator("#offer")).to_contain_text("2 × Front row")
    page.get_by_role("button", name="Book my 2 seats").click()

    booking = Booking.objects.get(customer=customer)
    expect(page).to_have_url(f"{live_server.url}/bookings/{booking.pk}/")
    assert booking.status == "pending_payment"
    assert [(i.ticket_type_id, i.quantity) for i in booking.items.all()] == [(front_row.pk, 2)]
    assert Offer.objects.get().status == "booked"
    front_row.refresh_from_db()
    assert front_row.reserved == 2
