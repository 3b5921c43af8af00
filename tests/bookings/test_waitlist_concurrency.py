"""Waiting lists under real parallel clients on PostgreSQL: releases from cancellations, the
expiry job and bookers' overdue sweeps racing open-sale bookers and each other.

The list is served in the transaction that releases the seats, under the ticket-type locks,
so no booker ever sees a released seat before the list had its turn. The control test runs
the same race with the offers made afterwards (by the beat job alone): the bookers then take
seats the list was owed.
"""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db.models import Value
from django.utils import timezone

from bookings import services
from bookings.models import Booking, Offer, WaitingListEntry
from bookings.waitlist import services as waiting_lists
from campaigns.models import TicketType
from tests.bookings.conftest import assert_inventory_clean
from tests.concurrency import run_in_parallel
from tests.factories import TicketTypeFactory, UserFactory, booked

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CAPACITY = 12
WAITING = 8
BOOKERS = 6


def _race_releases_against_open_sale():
    """12 seats held (6 holds to cancel, 6 overdue), 8 customers waiting for one seat each;
    then 6 cancellations, 2 expiry jobs and 6 open-sale bookers start together."""
    ticket_type = TicketTypeFactory(capacity=CAPACITY, max_per_booking=1)
    holds = [booked(UserFactory(), ticket_type, 1) for _ in range(CAPACITY)]
    to_cancel, to_expire = holds[: CAPACITY // 2], holds[CAPACITY // 2 :]
    for _ in range(WAITING):
        waiting_lists.waiting_list_join(
            customer=UserFactory(), ticket_type_id=ticket_type.pk, quantity=1
        )
    Booking.objects.filter(pk__in=[b.pk for b in to_expire]).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    items = [{"ticket_type": ticket_type.pk, "quantity": 1}]

    def cancel(booking):
        return lambda: services.booking_cancel(booking_id=booking.pk, customer=booking.customer)

    def book(customer):
        return lambda: services.booking_create(
            customer=customer, campaign_id=ticket_type.campaign_id, items=items, issuance="single"
        )

    outcomes = run_in_parallel(
        [cancel(b) for b in to_cancel]
        + [services.expire_all_overdue_holds] * 2
        + [book(UserFactory()) for _ in range(BOOKERS)]
    )
    return ticket_type, outcomes


def test_released_seats_reach_every_waiting_customer_before_open_sale():
    ticket_type, outcomes = _race_releases_against_open_sale()

    cancelled, jobs, bookers = outcomes[:6], outcomes[6:8], outcomes[8:]
    assert all(isinstance(o, Booking) for o in cancelled), cancelled
    assert all(isinstance(o, int) for o in jobs), jobs
    assert all(isinstance(o, Booking | services.SoldOut) for o in bookers), bookers
    sold_in_the_open = sum(isinstance(o, Booking) for o in bookers)
    # Every waiting customer got exactly one offer; open sale had only what they left.
    assert set(WaitingListEntry.objects.values_list("status", flat=True)) == {"offered"}
    assert Offer.objects.filter(status="open").count() == WAITING
    assert sold_in_the_open <= CAPACITY - WAITING
    ticket_type.refresh_from_db()
    on_sale = ticket_type.capacity - ticket_type.reserved
    # Never more offered + on sale than released: 12 seats came back, no more went out.
    assert WAITING + on_sale + sold_in_the_open == CAPACITY
    assert ticket_type.reserved == WAITING + sold_in_the_open
    assert_inventory_clean()


def test_control_offers_made_after_the_release_let_open_sale_take_the_lists_seats(
    monkeypatch,
):
    """The design this replaces: releases return seats to sale, a later job makes offers."""
    later = SimpleNamespace(
        waiting_lists_serve=lambda **kwargs: False,
        waiting_list_work=lambda: Value(False),
        overdue_offers_exist=waiting_lists.overdue_offers_exist,
    )
    monkeypatch.setattr(services, "waiting_lists", later)

    ticket_type, outcomes = _race_releases_against_open_sale()
    waiting_lists.waiting_lists_sweep()

    sold_in_the_open = sum(isinstance(o, Booking) for o in outcomes[8:])
    assert sold_in_the_open > CAPACITY - WAITING
    assert WaitingListEntry.objects.filter(status="waiting").count() > 0
    assert_inventory_clean()


def test_sweeps_running_in_parallel_pass_each_lapsed_offer_on_once():
    types = [TicketTypeFactory(capacity=1, max_per_booking=1) for _ in range(5)]
    for ticket_type in types:
        hold = booked(UserFactory(), ticket_type, 1)
        for _ in range(2):
            waiting_lists.waiting_list_join(
                customer=UserFactory(), ticket_type_id=ticket_type.pk, quantity=1
            )
        services.booking_cancel(booking_id=hold.pk, customer=hold.customer)
    Offer.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    outcomes = run_in_parallel([waiting_lists.waiting_lists_sweep for _ in range(4)])

    assert sum(outcomes) == 5, outcomes
    for ticket_type in types:
        offers = Offer.objects.filter(ticket_type=ticket_type).order_by("pk")
        assert list(offers.values_list("status", flat=True)) == ["lapsed", "open"]
        assert TicketType.objects.get(pk=ticket_type.pk).reserved == 1
    assert_inventory_clean()
