"""In headless Chromium with the sandbox gateway: book, pay, see the booking confirmed.

The sandbox checkout posts its webhook to the live server that served it, so the webhook,
the redirect and the return page all run as they would against Flutterwave.
"""

import pytest

from bookings.models import Booking
from payments.models import Payment, WebhookEvent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_book_pay_in_the_sandbox_and_see_the_booking_confirmed(
    sandbox, live_server, settings, chromium_page_as, customer, ticket_type
):
    from playwright.sync_api import expect

    settings.SITE_URL = live_server.url
    page = chromium_page_as(customer)

    page.goto(f"{live_server.url}{ticket_type.campaign.get_absolute_url()}")
    page.fill(f"#quantity_{ticket_type.pk}", "2")
    page.get_by_role("button", name="Hold my seats").click()
    page.get_by_role("button", name="Pay NGN 5,000.00").click()
    expect(page.get_by_role("heading", name="Sandbox checkout")).to_be_visible()
    expect(page.get_by_test_id("amount")).to_have_text("NGN\xa05,000.00")
    page.get_by_role("button", name="Pay NGN 5,000.00").click()

    expect(page.get_by_role("heading", name="your booking is confirmed")).to_be_visible()
    page.get_by_role("link", name="Go to your booking").click()
    expect(page.locator("main .page-header .badge")).to_have_text("Confirmed")

    booking = Booking.objects.get()
    assert (booking.customer, booking.status, booking.total) == (customer, "confirmed", 5000)
    assert booking.confirmed_via == "webhook"  # the sandbox's webhook arrived first
    payment = Payment.objects.get()
    assert (payment.gateway, payment.status) == ("sandbox", "successful")
    event = WebhookEvent.objects.get()
    assert (event.event, event.tx_ref, event.result) == (
        "charge.completed",
        payment.tx_ref,
        "confirmed",
    )
