"""Named tickets and a transfer, end to end in headless Chromium on a phone-sized screen: a
customer books three named tickets, pays, transfers one; the recipient signs in and finds it
under "My tickets"; the door refuses the old QR code as void."""

import pytest
from django.conf import settings
from django.test import Client

from accounts.models import User
from bookings.models import Booking, Ticket
from tests.factories import UserFactory
from tests.pages.test_browser import AXE, AXE_RUN, HEIGHT, PageProblems

# Transactional: the recipient's account, made during the test, must be committed for the
# server to sign them in. The module's world is flushed after its one test anyway.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

NAMES = ["Chidi Okafor", "Tola Friend", "Kwame Mensah"]


def _signed_in(browser, base_url: str, user: User):
    """A browser context signed in as `user` (the test sign-in: a session made by Django's
    test client, handed to Chromium as its cookie)."""
    client = Client()
    client.force_login(user)
    context = browser.new_context()
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": base_url,
            }
        ]
    )
    return context


def _fits_and_is_accessible(page) -> None:
    page.add_script_tag(path=str(AXE))
    width = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], width
    assert page.evaluate(AXE_RUN) == []


def test_named_tickets_one_transferred_the_recipient_sees_it_and_the_old_code_is_void(
    world, asgi_servers, browser_as, browser
):
    from playwright.sync_api import expect

    base_url = asgi_servers.url()
    page = browser_as("customer", base_url).new_page()
    page.set_viewport_size({"width": 390, "height": HEIGHT})
    problems = PageProblems(page)

    # Three tickets, one per person, each with its name.
    page.goto(f"{base_url}{world.campaign.get_absolute_url()}")
    page.fill(f"#quantity_{world.standing.pk}", "3")
    page.get_by_label("One ticket per person").check()
    expect(page.locator("#id_holder_3_name")).to_be_visible()
    expect(page.locator("#id_holder_4_name")).to_be_hidden()
    for row, name in enumerate(NAMES, start=1):
        page.fill(f"#id_holder_{row}_name", name)
    page.fill("#id_holder_2_email", "tola@example.com")
    page.get_by_role("button", name="Hold my seats").click()
    page.get_by_test_id("pay").click()
    page.get_by_role("button", name="Pay NGN").click()
    expect(page.get_by_test_id("booking-status")).to_have_text("Confirmed")

    booking = Booking.objects.filter(customer=world.customer, issuance="separate").get()
    tickets = list(booking.tickets.order_by("pk"))
    assert booking.status == "confirmed"
    assert [(t.holder_name, t.holder_email) for t in tickets] == [
        (NAMES[0], ""),
        (NAMES[1], "tola@example.com"),
        (NAMES[2], ""),
    ]
    given = tickets[1]

    # Transfer Tola's ticket to Femi from "My tickets".
    page.goto(f"{base_url}/tickets/")
    card = page.locator(f"#ticket-{given.pk}")
    expect(card).to_contain_text(NAMES[1])
    card.get_by_text("Transfer to someone else").click()
    _fits_and_is_accessible(page)
    card.get_by_label("Their name").fill("Femi Recipient")
    card.get_by_label("Their e-mail").fill("femi@example.com")
    card.get_by_role("button", name="Transfer this ticket").click()
    expect(page.get_by_role("status").first).to_contain_text("Ticket sent to Femi Recipient")
    expect(page.locator(f"#ticket-{given.pk}")).to_contain_text(
        "You transferred this ticket to Femi Recipient"
    )

    # Femi signs in for the first time with that address and finds the ticket.
    femi = UserFactory(email="femi@example.com", name="Femi")
    new = Ticket.objects.get(transferred_from=given)
    recipient = _signed_in(browser, base_url, femi).new_page()
    recipient.set_viewport_size({"width": 390, "height": HEIGHT})
    recipient.goto(f"{base_url}/tickets/")
    received = recipient.locator(f"#ticket-{new.pk}")
    expect(received).to_contain_text("Femi Recipient")
    expect(received.get_by_role("img", name=f"QR code of ticket {new.pk}")).to_be_visible()
    expect(recipient.locator(".ticket-card")).to_have_count(1)
    _fits_and_is_accessible(recipient)

    # At the door (the scanner app) the old code is refused as void, the new one admitted.
    door = browser_as("manager", base_url).new_page()
    door.goto(f"{base_url}/scan/")
    door.locator("#door-bundle", has_text="Offline list of").wait_for()
    answer = door.locator("#door-answer")
    for token, kind, result in (
        (given.qr_token, "refuse", "void"),
        (new.qr_token, "admit", "valid"),
    ):
        door.fill("#id_qr", token)
        door.get_by_role("button", name="Check ticket").click()
        expect(answer).to_have_attribute("data-kind", kind)
        expect(answer).to_have_attribute("data-result", result)
        door.get_by_role("button", name="Next scan").click()
        expect(answer).to_be_hidden()
    assert problems.console == []
