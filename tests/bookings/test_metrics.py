"""Booking outcomes on GET /metrics, counted once they are committed; the overdue-hold gauge."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from bookings import services, tasks
from bookings.models import Booking
from campaigns.models import TicketType
from tests.factories import UserFactory
from tests.metrics import scrape

pytestmark = pytest.mark.django_db

BOOKINGS = "tickets_bookings_total"
OVERDUE = "tickets_overdue_hold_age_seconds"


@pytest.fixture(autouse=True)
def _quiet_side_effects(settings, tmp_path, monkeypatch):
    """Commit callbacks run in these tests: ticket PDFs go to a temporary directory, and the
    live availability push (a background thread reading the database) stays off."""
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr(services, "availability_changed", lambda campaign_id: None)


def test_a_booking_and_a_sold_out_refusal_are_counted_and_a_replay_is_not(
    book, customer, ticket_type, metric_changes, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = book(customer, ticket_type, quantity=10, idempotency_key="key-1")
        replay = book(customer, ticket_type, quantity=10, idempotency_key="key-1")
        with pytest.raises(services.SoldOut):
            book(UserFactory(), ticket_type, quantity=1)

    assert replay.pk == first.pk
    assert metric_changes(BOOKINGS) == {"outcome=created": 1, "outcome=sold_out": 1}


def test_a_booking_rolled_back_by_its_caller_is_not_counted(
    book, customer, ticket_type, metric_changes, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        book(customer, ticket_type, quantity=2)
        raise RuntimeError("the caller's transaction fails after the hold")

    assert callbacks == []
    assert Booking.objects.count() == 0
    assert TicketType.objects.get(pk=ticket_type.pk).reserved == 0
    assert metric_changes(BOOKINGS) == {}


def test_cancelled_expired_confirmed_and_refunded_bookings_are_counted(
    book, customer, ticket_type, metric_changes, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = book(customer, ticket_type)
        services.booking_cancel(booking_id=cancelled.pk, customer=customer)
        overdue = [book(customer, ticket_type) for _ in range(2)]
        Booking.objects.filter(pk__in=[b.pk for b in overdue]).update(expires_at=timezone.now())
        assert services.expire_all_overdue_holds() == 2
        paid = book(customer, ticket_type)
        services.confirm_booking(booking_id=paid.pk, source="test")
        services.booking_mark_refunded(booking_id=paid.pk, actor=None)

    assert metric_changes(BOOKINGS) == {
        "outcome=created": 4,
        "outcome=cancelled": 1,
        "outcome=expired": 2,
        "outcome=confirmed": 1,
        "outcome=refunded": 1,
    }


def test_overdue_hold_age_is_0_then_the_oldest_overdue_hold_then_0_after_expiry(
    book, confirm, customer, ticket_type, client, monkeypatch, django_capture_on_commit_callbacks
):
    now = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: now)
    book(customer, ticket_type)  # held, not yet due
    paid = confirm(customer, ticket_type)  # paid bookings are never overdue
    Booking.objects.filter(pk=paid.pk).update(expires_at=now - timedelta(hours=1))

    assert scrape(client)[OVERDUE] == {"": 0.0}

    # Both are booked before either is overdue: a booking releases overdue holds of its type.
    held = [book(customer, ticket_type) for _ in range(2)]
    for booking, seconds in zip(held, (30, 90), strict=True):
        Booking.objects.filter(pk=booking.pk).update(expires_at=now - timedelta(seconds=seconds))

    assert scrape(client)[OVERDUE] == {"": 90.0}

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.expire_holds() == 2

    assert scrape(client)[OVERDUE] == {"": 0.0}
