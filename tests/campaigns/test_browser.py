"""In headless Chromium: the campaign page's remaining counter follows reservations live."""

from pathlib import Path

import pytest
from django.db import connections

from campaigns import live
from tests.campaigns.test_live import reserve

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [pytest.mark.browser, pytest.mark.redis, pytest.mark.postgres]


@pytest.fixture
def chromium(tmp_path, monkeypatch):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    # Playwright's sync API keeps an event loop in this thread; the test's ORM calls are
    # plain synchronous code all the same.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


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

    try:
        reserve(vip.pk, 3)
        expect(counter).to_have_text("7", timeout=10_000)
        reserve(vip.pk, 7)
        expect(counter).to_have_text("0", timeout=10_000)
    finally:
        live.sender_close()
    expect(page.locator(f'[data-ticket-type="{regular.pk}"]')).to_have_text("100")
    # With Playwright's loop in this thread the ORM keyed its connection to this context:
    # close it here, or it would outlive the test and keep the test database from dropping.
    connections.close_all()
