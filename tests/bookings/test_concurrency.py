"""Real parallel clients against PostgreSQL: each thread has its own connection and commits.

Without the ticket-type row locks these tests fail: two clients would both see the last
seat free, and the second reservation would hit the `reserved <= capacity` check constraint
(an IntegrityError, not SoldOut) or, with a read-modify-write, oversell.
"""

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from bookings import services
from bookings.models import Booking, Ticket
from campaigns.models import TicketType
from tests.bookings.conftest import assert_inventory_clean
from tests.concurrency import run_in_parallel
from tests.factories import CampaignFactory, TicketTypeFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _booker(customer, campaign_id, items, **kwargs):
    return lambda: services.booking_create(
        customer=customer, campaign_id=campaign_id, items=items, issuance="single", **kwargs
    )


def test_clients_racing_for_capacity_sell_exactly_capacity():
    ticket_type = TicketTypeFactory(capacity=10, max_per_booking=10)
    customers = UserFactory.create_batch(30)
    items = [{"ticket_type": ticket_type.pk, "quantity": 1}]

    outcomes = run_in_parallel([_booker(c, ticket_type.campaign_id, items) for c in customers])

    sold = [o for o in outcomes if isinstance(o, Booking)]
    refused = [o for o in outcomes if isinstance(o, services.SoldOut)]
    assert len(sold) == 10
    assert len(refused) == 20, [
        o for o in outcomes if not isinstance(o, Booking | services.SoldOut)
    ]
    ticket_type.refresh_from_db()
    assert ticket_type.reserved == 10
    assert Booking.objects.count() == 10
    assert len({b.customer_id for b in sold}) == 10
    assert_inventory_clean()


def test_multi_seat_bookings_racing_never_exceed_capacity():
    ticket_type = TicketTypeFactory(capacity=25, max_per_booking=4)
    customers = UserFactory.create_batch(24)
    calls = [
        _booker(
            c, ticket_type.campaign_id, [{"ticket_type": ticket_type.pk, "quantity": 1 + i % 4}]
        )
        for i, c in enumerate(customers)
    ]

    outcomes = run_in_parallel(calls)

    assert all(isinstance(o, Booking | services.SoldOut) for o in outcomes), outcomes
    ticket_type.refresh_from_db()
    sold_seats = sum(o.items.all()[0].quantity for o in outcomes if isinstance(o, Booking))
    assert ticket_type.reserved == sold_seats
    assert 25 - 3 <= sold_seats <= 25  # each refusal had more seats than were left
    assert_inventory_clean()


def test_multi_type_bookings_in_random_orders_never_deadlock():
    campaign = CampaignFactory()
    types = [TicketTypeFactory(campaign=campaign, capacity=30, max_per_booking=3) for _ in range(4)]
    customers = UserFactory.create_batch(24)
    rng = random.Random(4)

    def shuffled_items():
        chosen = rng.sample(types, rng.randint(2, 4))
        return [{"ticket_type": t.pk, "quantity": rng.randint(1, 3)} for t in chosen]

    calls = []
    for customer in customers:
        batches = [shuffled_items() for _ in range(3)]

        def book_three(customer=customer, batches=batches):
            results = []
            for items in batches:
                try:
                    results.append(_booker(customer, campaign.pk, items)())
                except services.SoldOut as exc:
                    results.append(exc)
            return results

        calls.append(book_three)

    outcomes = run_in_parallel(calls)

    assert all(isinstance(o, list) for o in outcomes), outcomes
    for ticket_type in TicketType.objects.filter(campaign=campaign):
        assert ticket_type.reserved <= ticket_type.capacity
    assert Booking.objects.count() == sum(
        isinstance(r, Booking) for results in outcomes for r in results
    )
    assert Booking.objects.count() > 0
    assert_inventory_clean()


def test_concurrent_replays_of_one_idempotency_key_create_one_booking():
    ticket_type = TicketTypeFactory(capacity=50)
    customer = UserFactory()
    items = [{"ticket_type": ticket_type.pk, "quantity": 2}]

    outcomes = run_in_parallel(
        [
            _booker(customer, ticket_type.campaign_id, items, idempotency_key="k-1")
            for _ in range(12)
        ]
    )

    assert all(isinstance(o, Booking) for o in outcomes), outcomes
    assert {o.pk for o in outcomes} == {Booking.objects.get().pk}
    ticket_type.refresh_from_db()
    assert ticket_type.reserved == 2
    assert_inventory_clean()


def _overdue_bookings(count, ticket_type, quantity=1):
    bookings = [
        services.booking_create(
            customer=UserFactory(),
            campaign_id=ticket_type.campaign_id,
            items=[{"ticket_type": ticket_type.pk, "quantity": quantity}],
            issuance="separate",
        )
        for _ in range(count)
    ]
    Booking.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    return bookings


def test_expiry_run_by_several_workers_releases_each_hold_once():
    ticket_type = TicketTypeFactory(capacity=100, max_per_booking=2)
    _overdue_bookings(40, ticket_type, quantity=2)

    def drain():
        expired = 0
        while count := services.expire_overdue_holds(limit=3):
            expired += count
        return expired

    outcomes = run_in_parallel([drain for _ in range(4)])

    assert sum(outcomes) == 40
    ticket_type.refresh_from_db()
    assert ticket_type.reserved == 0
    assert Booking.objects.filter(status="expired").count() == 40
    assert_inventory_clean()


def test_expiry_racing_confirmations_never_double_releases_or_double_confirms():
    ticket_type = TicketTypeFactory(capacity=40, max_per_booking=2, scans_allowed=1)
    bookings = _overdue_bookings(20, ticket_type, quantity=2)

    def confirm_all(source):
        return [services.confirm_booking(booking_id=b.pk, source=source).outcome for b in bookings]

    outcomes = run_in_parallel(
        [
            services.expire_all_overdue_holds,
            services.expire_all_overdue_holds,
            lambda: confirm_all("webhook"),
            lambda: confirm_all("redirect"),
        ]
    )

    webhook, redirect = outcomes[2], outcomes[3]
    for first, second in zip(webhook, redirect, strict=True):
        # Each booking is confirmed exactly once; the other report finds it done.
        assert sorted([first, second]) == ["already_confirmed", "confirmed"]
    assert outcomes[0] + outcomes[1] <= 20
    assert Booking.objects.filter(status="confirmed").count() == 20
    assert Ticket.objects.count() == 40  # separate issuance: one per seat, issued once
    ticket_type.refresh_from_db()
    assert ticket_type.reserved == 40
    assert_inventory_clean()
