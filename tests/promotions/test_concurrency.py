"""Real parallel clients against PostgreSQL racing for limited codes.

The code's limits are counted under its row lock (bookings.codes.services.code_use_take).
The racers book different ticket types, one each, so the ticket-type locks do not queue
them: the second test shows that without the code's lock the same race hands out more uses than
allowed.
"""

import threading
from decimal import Decimal

import pytest

from bookings import services
from bookings.codes import services as codes
from bookings.models import Booking, PromoCodeUse
from campaigns.models import TicketType
from tests.bookings.conftest import assert_inventory_clean
from tests.concurrency import run_in_parallel
from tests.factories import CampaignFactory, TicketTypeFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _types(count=50):
    campaign = CampaignFactory()
    return TicketTypeFactory.create_batch(count, campaign=campaign, capacity=100)


def _race(ticket_types, customers, code="RACE"):
    """Each customer books one seat of the next type in turn, all at once, with `code`."""
    return run_in_parallel(
        [
            lambda customer=customer, index=index: services.booking_create(
                customer=customer,
                campaign_id=ticket_types[0].campaign_id,
                items=[{"ticket_type": ticket_types[index % len(ticket_types)].pk, "quantity": 1}],
                issuance="single",
                code=code,
            )
            for index, customer in enumerate(customers)
        ]
    )


def _code(campaign, **limits):
    (promo,) = codes.promo_codes_create(
        campaign=campaign,
        actor=campaign.seller,
        code="RACE",
        kind="percent",
        value=Decimal(10),
        **limits,
    )
    return promo


def test_fifty_customers_racing_for_a_ten_use_code_get_exactly_ten():
    ticket_types = _types()
    promo = _code(ticket_types[0].campaign, max_uses=10)

    outcomes = _race(ticket_types, UserFactory.create_batch(50))

    booked = [o for o in outcomes if isinstance(o, Booking)]
    refused = [o for o in outcomes if isinstance(o, codes.InvalidCode)]
    assert len(booked) == 10, [o for o in outcomes if not isinstance(o, Booking)][:3]
    assert len(refused) == 40
    assert {o.detail for o in refused} == {"This code has been used up."}
    assert PromoCodeUse.objects.filter(code=promo, released_at__isnull=True).count() == 10
    assert Booking.objects.count() == 10
    assert all(b.discount == Decimal("250.00") for b in Booking.objects.all())
    assert sum(TicketType.objects.values_list("reserved", flat=True)) == 10
    assert_inventory_clean()


def test_without_the_code_lock_the_same_race_hands_out_too_many_uses(monkeypatch):
    """The lock is what holds the limit: taken away, the counts race.

    Three racers for a two-use code each wait after counting until all three have counted,
    as a loaded server may make them: without the lock nothing stops all three from
    recording a use. No timing decides it (with the lock the first racer would hold it at
    the meeting and the others could never count: it breaks after 30 s and the test fails).
    Three racers need three connections only, so a busy pool cannot starve one of them.
    """
    racers = 3
    ticket_types = _types(racers)
    promo = _code(ticket_types[0].campaign, max_uses=racers - 1)
    monkeypatch.setattr(codes, "lock", lambda queryset: list(queryset))
    check = codes._check_limits
    counted = threading.Barrier(racers, timeout=30)

    def check_then_wait(*args):
        check(*args)
        counted.wait()

    monkeypatch.setattr(codes, "_check_limits", check_then_wait)

    outcomes = _race(ticket_types, UserFactory.create_batch(racers))

    assert all(isinstance(o, Booking) for o in outcomes), outcomes
    assert PromoCodeUse.objects.filter(code=promo, released_at__isnull=True).count() == racers


def test_one_customer_racing_with_itself_gets_its_per_customer_limit_only():
    ticket_types = _types()
    promo = _code(ticket_types[0].campaign, max_uses_per_customer=2)
    customer = UserFactory()

    outcomes = _race(ticket_types, [customer] * 12)

    assert sum(isinstance(o, Booking) for o in outcomes) == 2
    assert sum(isinstance(o, codes.InvalidCode) for o in outcomes) == 10
    assert PromoCodeUse.objects.filter(code=promo, customer=customer).count() == 2
    assert_inventory_clean()
