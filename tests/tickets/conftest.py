"""Fixtures of the tickets tests: a confirmed booking with tickets, files in a temp dir."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import CampaignFactory, TicketTypeFactory, UserFactory

# 19:30 in Lagos (UTC+1), where the campaign happens.
STARTS_AT = datetime(2030, 6, 1, 18, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Rendered PDFs go to a directory of this test, never into the checkout."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def campaign(db):
    return CampaignFactory(
        title="Rooftop Jazz Night",
        venue_name="Eko Hall",
        venue_address="1 Marina Road",
        city="Lagos",
        timezone="Africa/Lagos",
        starts_at=STARTS_AT,
        ends_at=STARTS_AT + timedelta(hours=5),
    )


@pytest.fixture
def table_type(campaign):
    return TicketTypeFactory(
        campaign=campaign,
        name="VIP Table",
        price="10000.00",
        capacity=20,
        scans_allowed=2,
        attributes={"table_size": 4, "drinks_included": True},
    )


@pytest.fixture
def holder(db):
    return UserFactory(email="holder@example.com", name="Grace Holder")


@pytest.fixture
def group_booking(confirm, holder, table_type):
    """One group ticket admitting 3, held by Grace."""
    return confirm(holder, table_type, quantity=3, issuance="single")
