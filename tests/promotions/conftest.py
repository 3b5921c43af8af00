"""Fixtures of the promo and access code tests: an on-sale campaign, its types, a code."""

from decimal import Decimal

import pytest

from bookings.codes import services as codes
from bookings.models import PromoCodeUse
from tests.factories import CampaignFactory, TicketTypeFactory


@pytest.fixture
def campaign(seller):
    return CampaignFactory(seller=seller, currency="NGN")


@pytest.fixture
def ticket_type(campaign):
    return TicketTypeFactory(campaign=campaign, name="General", price="2500.00", capacity=10)


@pytest.fixture
def vip(campaign):
    """A hidden type: bookable only with a code that names it."""
    return TicketTypeFactory(campaign=campaign, name="Sponsors", price="8000.00", hidden=True)


@pytest.fixture
def make_code(campaign):
    """`make_code(kind="percent", value="10", **settings)`: one code through the service."""

    def make(kind="percent", value="10", **settings):
        settings.setdefault("code", "SAVE10")
        (promo,) = codes.promo_codes_create(
            campaign=settings.pop("campaign", campaign),
            actor=campaign.seller,
            kind=kind,
            value=Decimal(value),
            **settings,
        )
        return promo

    return make


def active_uses(promo) -> int:
    return PromoCodeUse.objects.filter(code=promo, released_at__isnull=True).count()
