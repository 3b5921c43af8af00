"""The data every page of the browser harness shows, made once per module, and one Chromium
for the module (a fresh context per test): the pages are many, the data is read-only."""

import os
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accounts.models import User
from bookings.models import Booking, Offer, Ticket, WaitingListEntry
from campaigns.models import Campaign, PromoCode, TicketType
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, require_chromium
from tests.factories import (
    CampaignFactory,
    ManagerFactory,
    SellerApplicationFactory,
    SellerFactory,
    SuperAdminFactory,
    TicketTypeFactory,
    UserFactory,
)


@dataclass
class World:
    customer: User
    seller: User
    manager: User
    super_admin: User
    campaign: Campaign
    standing: TicketType
    table: TicketType
    sold_out: TicketType
    pending: Booking
    to_pay: Booking
    confirmed: Booking
    expired: Booking
    ticket: Ticket
    offer: Offer  # the customer's, on `sold_out`
    code: PromoCode  # the access code of the hidden type `press`
    sessions: dict[str, str]  # session cookie values of each role's user


def _book(customer, ticket_type, quantity, issuance="single"):
    from bookings import services

    return services.booking_create(
        customer=customer,
        campaign_id=ticket_type.campaign_id,
        items=[{"ticket_type": ticket_type.pk, "quantity": quantity}],
        issuance=issuance,
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The module's data, committed so that a server process shows it; the database is
    emptied after the module, as `transactional_db` does after a test. The tests need the
    `django_db` mark (so the test database exists) and write nothing themselves; a test that
    changes something through the server uses data of its own (`to_pay`)."""
    with django_db_blocker.unblock():
        yield _make_world()
        call_command("flush", interactive=False, verbosity=0)


def _make_world() -> World:
    """A seller's campaign on sale (one type sold out) with a manager, and a customer with
    pending, confirmed (paid, scanned once) and expired bookings."""
    from bookings import services as booking_services
    from finance import services as finance_services
    from validation import services as validation_services

    seller = SellerFactory(email="sade@example.com", name="Sade Seller")
    customer = UserFactory(email="chidi@example.com", name="Chidi Okafor")
    manager = ManagerFactory(email="musa@example.com", name="Musa Manager")
    super_admin = SuperAdminFactory(email="ada@example.com", name="Ada Admin")
    starts = timezone.now().replace(microsecond=0) + timedelta(days=9)
    campaign = CampaignFactory(
        seller=seller,
        title="Rooftop Jazz Fridays",
        slug="rooftop-jazz-fridays",
        description="A live quartet, a view of the lagoon and a long cocktail list.",
        venue_type="bar",
        venue_name="Sky Bar",
        venue_address="3 Ozumba Mbadiwe Avenue",
        timezone="Africa/Lagos",
        starts_at=starts,
        ends_at=starts + timedelta(hours=5),
    )
    campaign.managers.add(manager)
    standing = TicketTypeFactory(
        campaign=campaign,
        name="Standing",
        price=Decimal("5000.00"),
        capacity=150,
        attributes={"drinks_included": 1},
        position=0,
    )
    table = TicketTypeFactory(
        campaign=campaign,
        name="Table for six",
        description="A reserved table by the window.",
        price=Decimal("60000.00"),
        capacity=12,
        max_per_booking=1,
        scans_allowed=6,
        attributes={"table_size": 6, "bottle": True},
        attribute_labels={"table_size": "Seats at the table"},
        position=1,
    )
    sold_out = TicketTypeFactory(
        campaign=campaign, name="Early bird", price=Decimal("3000.00"), capacity=20, position=2
    )
    TicketType.objects.filter(pk=sold_out.pk).update(reserved=20)  # 18 sold, 2 on offer
    offer = Offer.objects.create(
        entry=WaitingListEntry.objects.create(
            ticket_type=sold_out, customer=customer, quantity=2, status="offered"
        ),
        ticket_type=sold_out,
        quantity=2,
        expires_at=timezone.now() + timedelta(days=1),
    )
    WaitingListEntry.objects.create(ticket_type=sold_out, customer=UserFactory(), quantity=1)
    press = TicketTypeFactory(
        campaign=campaign, name="Press pass", price=Decimal("0.00"), hidden=True, position=3
    )
    code = PromoCode.objects.create(campaign=campaign, code="PRESS", kind="access", max_uses=20)
    code.ticket_types.add(press)
    PromoCode.objects.create(campaign=campaign, code="JAZZ10", kind="percent", value=10)
    CampaignFactory(
        seller=seller,
        title="Afrobeats Live in Kampala",
        slug="afrobeats-kampala",
        venue_type="event",
        city="Kampala",
        country="UG",
        currency="UGX",
        timezone="Africa/Kampala",
    )
    TicketTypeFactory(
        campaign=Campaign.objects.get(slug="afrobeats-kampala"),
        name="General",
        price=Decimal("50000.00"),
    )

    pending = _book(customer, standing, 2)
    to_pay = _book(customer, standing, 1)
    confirmed = _book(customer, table, 1)
    booking_services.confirm_booking(booking_id=confirmed.pk, source="test")
    finance_services.ledger_record_sale(booking=Booking.objects.get(pk=confirmed.pk))
    expired = _book(customer, standing, 1)
    Booking.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    booking_services.expire_overdue_holds()
    ticket = Ticket.objects.get(booking=confirmed)
    validation_services.scan_ticket(manager=manager, qr=ticket.qr_token, device_id="door-1")
    finance_services.withdrawal_method_add(
        seller=seller,
        kind="bank",
        bank_code="044",
        account_number="0690000031",
        account_name="Sade Seller",
        country="NG",
        currency="NGN",
    )
    SellerApplicationFactory(business_name="Lagoon Lounge")
    sessions = {}
    for role, user in [
        ("customer", customer),
        ("seller", seller),
        ("manager", manager),
        ("super_admin", super_admin),
    ]:
        client = Client()
        client.force_login(user)
        sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return World(
        customer=customer,
        seller=seller,
        manager=manager,
        super_admin=super_admin,
        campaign=campaign,
        standing=standing,
        table=table,
        sold_out=sold_out,
        pending=pending,
        to_pay=to_pay,
        confirmed=Booking.objects.get(pk=confirmed.pk),
        expired=Booking.objects.get(pk=expired.pk),
        ticket=ticket,
        offer=offer,
        code=code,
        sessions=sessions,
    )


@pytest.fixture(scope="module")
def browser(world):
    """One headless Chromium for the module. Playwright's sync API keeps an event loop in this
    thread while it runs, so the ORM is allowed to run beside it until the browser closes."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE")
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def browser_as(browser, world):
    """`browser_as(role, base_url)`: a fresh browser context, signed in as the world's user of
    that role (None: signed out) on the server at `base_url`."""
    contexts = []

    def make(role, base_url):
        context = browser.new_context()
        contexts.append(context)
        if role is not None:
            context.add_cookies(
                [
                    {
                        "name": settings.SESSION_COOKIE_NAME,
                        "value": world.sessions[role],
                        "url": base_url,
                    }
                ]
            )
        return context

    yield make
    for context in contexts:
        context.close()
