"""In headless Chromium: the booking page when its hold runs out while it is open."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_when_the_countdown_ends_the_page_turns_expired_and_offers_to_book_again(
    live_server, settings, chromium_page_as, customer, ticket_type, book
):
    from playwright.sync_api import expect

    settings.BOOKING_HOLD_SECONDS = 3
    booking = book(customer, ticket_type, quantity=2)
    page = chromium_page_as(customer)

    page.goto(f"{live_server.url}/bookings/{booking.pk}/")
    expect(page.get_by_test_id("pay")).to_be_visible()
    expect(page.get_by_text("This booking has expired.")).to_be_visible(timeout=15_000)

    expect(page.get_by_test_id("pay")).to_have_count(0)
    expect(page.locator("main article header .badge")).to_have_text("Expired")
    page.get_by_role("link", name="Book again").click()
    expect(page).to_have_url(f"{live_server.url}{ticket_type.campaign.get_absolute_url()}#tickets")
