"""Fixtures of the bookings tests: an on-sale campaign and helpers to book and audit."""

import pytest
from django.core.management import call_command

from tests.factories import CampaignFactory, TicketTypeFactory, booked


@pytest.fixture
def campaign(db):
    return CampaignFactory(currency="NGN")


@pytest.fixture
def ticket_type(campaign):
    return TicketTypeFactory(
        campaign=campaign, name="General", price="2500.00", capacity=10, scans_allowed=1
    )


@pytest.fixture
def book():
    """`book(customer, ticket_type, quantity=1, **kwargs)`: a pending booking via the service."""

    def make(customer, ticket_type, quantity=1, **kwargs):
        return booked(customer, ticket_type, quantity, **kwargs)

    return make


def assert_inventory_clean():
    """`manage.py audit_inventory` finds nothing (it exits non-zero on any difference)."""
    call_command("audit_inventory")
