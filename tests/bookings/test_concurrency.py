"""Real parallel clients against PostgreSQL: each thread has its own connection and commits.

Without the ticket-type row locks these tests fail: two clients would both see the last
seat free, and the second reservation would hit the `reserved <= capacity` check constraint
(an IntegrityError, not SoldOut) or, with a read-modify-write, oversell.
"""

import random
import threading
import time
from datetime import timedelta

import pytest
from django.db.models import QuerySet
from django.utils import timezone

from bookings import services
from bookings.models import Booking, Ticket
from campaigns.models import TicketType
from tests.bookings.conftest import assert_inventory_clean
from tests.concurrency import Meeting, run_in_parallel
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


def test_bookers_racing_the_expiry_job_release_each_overdue_hold_exactly_once():
    ticket_type = TicketTypeFactory(capacity=20, max_per_booking=1)
    overdue = _overdue_bookings(20, ticket_type)
    items = [{"ticket_type": ticket_type.pk, "quantity": 1}]

    outcomes = run_in_parallel(
        [services.expire_all_overdue_holds, services.expire_all_overdue_holds]
        + [_booker(UserFactory(), ticket_type.campaign_id, items) for _ in range(30)]
    )

    expired_by_job, booked = outcomes[:2], outcomes[2:]
    assert all(isinstance(o, int) for o in expired_by_job), expired_by_job
    # Every overdue hold freed its seat once, so exactly the capacity was sold again.
    assert sum(isinstance(o, Booking) for o in booked) == 20
    assert sum(isinstance(o, services.SoldOut) for o in booked) == 10, booked
    assert set(
        Booking.objects.filter(pk__in=[b.pk for b in overdue]).values_list("status", flat=True)
    ) == {"expired"}
    ticket_type.refresh_from_db()
    assert ticket_type.reserved == 20
    assert_inventory_clean()


class _BookerReadsUnlocked(QuerySet):
    """Overdue holds as the booking path would read them without its row locks; the expiry
    job (the one caller that skips locked rows) keeps its own."""

    def select_for_update(self, **kwargs):
        return super().select_for_update(**kwargs) if kwargs.get("skip_locked") else self


def _the_job_and_a_booker_at_once():
    """One overdue hold takes the only seat; the expiry job and a booker start together."""
    ticket_type = TicketTypeFactory(capacity=1, max_per_booking=1)
    (overdue,) = _overdue_bookings(1, ticket_type)
    items = [{"ticket_type": ticket_type.pk, "quantity": 1}]
    # Which of the two releases the hold depends on who takes its lock first; whether it was
    # released once is what `reserved` and the inventory audit tell.
    _, booking = run_in_parallel(
        [services.expire_all_overdue_holds, _booker(UserFactory(), ticket_type.campaign_id, items)]
    )
    assert Booking.objects.get(pk=overdue.pk).status == "expired"
    assert isinstance(booking, Booking), booking
    ticket_type.refresh_from_db()
    return ticket_type


def _race_the_expiry_job_for_one_overdue_hold(monkeypatch, *, locked):
    """The job and the booker both release the hold, each waiting for the other just before
    marking it expired: the interleaving in which a double release would show."""
    both_read = Meeting(2, locked_out=locked)
    mark_expired = services._mark_expired

    def meet_then_mark_expired(booking_ids, now):
        both_read.wait()
        mark_expired(booking_ids, now)

    monkeypatch.setattr(services, "_mark_expired", meet_then_mark_expired)
    return _the_job_and_a_booker_at_once()


def test_without_the_booking_row_locks_the_booker_releases_a_hold_the_job_released(
    monkeypatch,
):
    def unlocked_overdue_holds(now):
        return _BookerReadsUnlocked(Booking).filter(status="pending_payment", expires_at__lte=now)

    monkeypatch.setattr(services, "_overdue_holds", unlocked_overdue_holds)

    ticket_type = _race_the_expiry_job_for_one_overdue_hold(monkeypatch, locked=False)

    # The seat went back twice: the new booking holds it, yet it counts as free.
    assert ticket_type.reserved == 0
    with pytest.raises(SystemExit):
        assert_inventory_clean()


def test_with_the_booking_row_locks_the_booker_waits_and_releases_nothing_twice(monkeypatch):
    ticket_type = _race_the_expiry_job_for_one_overdue_hold(monkeypatch, locked=True)

    assert ticket_type.reserved == 1
    assert_inventory_clean()


def test_a_booker_arriving_while_the_job_releases_the_hold_waits_for_it_instead_of_refusing(
    monkeypatch,
):
    """The job has locked the overdue hold but not yet the ticket type when the booker comes.

    Skipping the locked hold would find the only seat still taken and refuse; the booker
    waits for the hold's lock instead and books the seat the job gives back.
    """
    job_holds_the_hold = threading.Barrier(2, timeout=5)
    release_seats = services._release_seats
    expire_overdue_holds_of = services._expire_overdue_holds_of

    def job_releases_late(booking_ids):
        job_holds_the_hold.wait()
        time.sleep(0.3)  # let the booker reach the locks first
        release_seats(booking_ids)

    def booker_meets_the_job(**kwargs):
        job_holds_the_hold.wait()
        return expire_overdue_holds_of(**kwargs)

    monkeypatch.setattr(services, "_release_seats", job_releases_late)
    monkeypatch.setattr(services, "_expire_overdue_holds_of", booker_meets_the_job)

    ticket_type = _the_job_and_a_booker_at_once()

    assert ticket_type.reserved == 1
    assert_inventory_clean()
