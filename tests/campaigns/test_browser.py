"""In headless Chromium: the campaign page's remaining counter follows reservations live."""

import pytest
from django.db import connections

from tests.campaigns.test_live import reserve

pytestmark = [pytest.mark.browser, pytest.mark.redis, pytest.mark.postgres]


def test_remaining_counter_changes_when_a_reservation_commits(
    published, live_asgi_server, chromium
):
    from playwright.sync_api import expect

    regular, vip = published.ticket_types.order_by("position")
    page = chromium.new_page()
    page.goto(f"{live_asgi_server}/campaigns/jazz-night/")
    counter = page.locator(f'[data-ticket-type="{vip.pk}"]')
    expect(counter).to_have_text("10")
    expect(page.locator('[data-live="on"]')).to_have_count(1, timeout=10_000)

    reserve(vip.pk, 3)
    expect(counter).to_have_text("7", timeout=10_000)
    reserve(vip.pk, 7)
    expect(counter).to_have_text("0", timeout=10_000)
    expect(page.locator(f'[data-ticket-type="{regular.pk}"]')).to_have_text("100")
    # With Playwright's loop in this thread the ORM keyed its connection to this context:
    # close it here, or it would outlive the test and keep the test database from dropping.
    connections.close_all()
