"""Fixtures of the validation tests: a campaign with an assigned manager and paid tickets."""

import pytest

from tests.factories import CampaignFactory, ManagerFactory, TicketTypeFactory, UserFactory


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Ticket PDFs rendered on confirmation go to a directory of this test."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def campaign(db):
    return CampaignFactory(title="Rooftop Jazz Night")


@pytest.fixture
def manager(campaign):
    manager = ManagerFactory(email="door@example.com")
    campaign.managers.add(manager)
    return manager


@pytest.fixture
def other_manager(db):
    """A manager of another campaign only."""
    manager = ManagerFactory(email="elsewhere@example.com")
    CampaignFactory().managers.add(manager)
    return manager


@pytest.fixture
def entry_type(campaign):
    return TicketTypeFactory(campaign=campaign, name="Entry", scans_allowed=1)


@pytest.fixture
def table_type(campaign):
    """Each seat of a table admits twice (in and out once)."""
    return TicketTypeFactory(campaign=campaign, name="VIP Table", scans_allowed=2)


@pytest.fixture
def holder(db):
    return UserFactory(email="holder@example.com", name="Grace Holder")


@pytest.fixture
def entry_ticket(confirm, holder, entry_type):
    """A single-entry ticket of a paid booking."""
    return confirm(holder, entry_type).tickets.get()


@pytest.fixture
def table_ticket(confirm, holder, table_type):
    """One group ticket for a table of 3: admits 6 entries."""
    return confirm(holder, table_type, quantity=3).tickets.get()
