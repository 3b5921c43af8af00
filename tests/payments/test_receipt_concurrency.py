"""Receipt numbers under real threads on PostgreSQL: gap-free and unique per seller, because
the seller's sequence row is locked while a number is taken. Without the lock (and with the
window it closes widened) two issues read the same last number and one is refused."""

import time

import pytest
from django.db import IntegrityError

from bookings.models import Receipt
from bookings.receipts import services as receipts
from tests.concurrency import run_in_parallel
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("locked", [True, False])
def test_simultaneous_receipts_of_one_seller_take_consecutive_numbers(
    confirm, ticket_type, monkeypatch, locked
):
    bookings = [confirm(UserFactory(), ticket_type) for _ in range(5)]
    real_lock_one = receipts.lock_one

    def slow_lock_one(queryset, **lookup):
        row = real_lock_one(queryset, **lookup) if locked else queryset.get(**lookup)
        time.sleep(0.2)
        return row

    monkeypatch.setattr(receipts, "lock_one", slow_lock_one)

    outcomes = run_in_parallel(
        [
            lambda booking=booking: receipts.receipt_issue(
                booking_id=booking.pk, payment_reference=f"TK-{booking.pk}"
            )
            for booking in bookings
        ]
    )

    numbers = sorted(Receipt.objects.values_list("number", flat=True))
    if locked:
        assert numbers == [1, 2, 3, 4, 5], outcomes
    else:
        assert any(isinstance(outcome, IntegrityError) for outcome in outcomes)
        assert len(numbers) < 5
