"""Codes in headless Chromium on a phone: a customer books a hidden type with its access code
from the campaign page; a seller generates a batch of codes."""

import pytest

from bookings.models import Booking
from campaigns.models import PromoCode

pytestmark = [pytest.mark.browser, pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db]

PHONE = {"width": 390, "height": 844}


def test_a_customer_books_a_hidden_type_with_the_code_in_the_link(
    world, asgi_servers, browser_as, django_db_blocker
):
    from playwright.sync_api import expect

    base_url = asgi_servers.url()
    page = browser_as("customer", base_url).new_page()
    page.set_viewport_size(PHONE)
    press = world.code.ticket_types.get()

    page.goto(f"{base_url}{world.campaign.get_absolute_url()}")
    expect(page.get_by_role("heading", name="Press pass")).to_have_count(0)
    page.goto(f"{base_url}{world.campaign.get_absolute_url()}?code=press")
    expect(page.get_by_role("heading", name="Press pass")).to_be_visible()
    expect(page.locator("#id_code")).to_have_value("press")
    page.fill(f"#quantity_{press.pk}", "2")
    page.get_by_role("button", name="Hold my seats").click()
    page.get_by_role("heading", name="Summary").wait_for()

    assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
    with django_db_blocker.unblock():
        booking = Booking.objects.filter(items__ticket_type=press).get()
        assert (booking.status, booking.total, booking.code_use.code_id) == (
            "confirmed",
            0,
            world.code.pk,
        )
    expect(page.locator("body")).to_contain_text("2 × Press pass")


def test_a_seller_generates_a_batch_of_codes_on_a_phone(
    world, asgi_servers, browser_as, django_db_blocker
):
    from playwright.sync_api import expect

    base_url = asgi_servers.url()
    page = browser_as("seller", base_url).new_page()
    page.set_viewport_size(PHONE)

    page.goto(f"{base_url}/seller/campaigns/{world.campaign.pk}/codes/")
    page.fill("#id_count", "5")
    page.select_option("#id_kind", "fixed")
    page.fill("#id_value", "1000")
    page.fill("#id_max_uses", "1")
    page.get_by_role("button", name="Create").click()

    expect(page.get_by_text("5 codes generated.")).to_be_visible()
    assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
    with django_db_blocker.unblock():
        batch = PromoCode.objects.filter(campaign=world.campaign, kind="fixed")
        assert [(c.value, c.max_uses) for c in batch] == [(1000, 1)] * 5
