"""Row locks: taken in id order on the model's own rows, with a bounded wait that ends in a
retryable refusal instead of a hung request."""

import threading

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from bookings.models import Booking
from campaigns.models import TicketType
from core.locking import LockTimeout, lock, lock_one
from tests.factories import TicketTypeFactory, UserFactory


@pytest.mark.django_db
def test_rows_are_locked_in_id_order_with_the_wait_bounded_and_joined_rows_left_alone(settings):
    settings.LOCK_TIMEOUT_SECONDS = 2.5
    first = TicketTypeFactory()
    second = TicketTypeFactory(campaign=first.campaign)

    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        rows = lock(TicketType.objects.select_related("campaign").order_by("-pk"))

    assert [row.pk for row in rows] == [first.pk, second.pk]
    if connection.vendor == "postgresql":
        bound, select = (query["sql"] for query in queries.captured_queries)
        assert bound == "SET LOCAL lock_timeout = 2500"
        assert select.endswith(
            'ORDER BY "campaigns_tickettype"."id" ASC FOR UPDATE OF "campaigns_tickettype"'
        )


@pytest.fixture
def held_lock():
    """`held_lock(ticket_type)`: another connection holds the row's lock until the test ends."""
    release = threading.Event()
    threads = []

    def hold(ticket_type_id, locked):
        try:
            with transaction.atomic():
                lock_one(TicketType.objects, pk=ticket_type_id)
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    def start(ticket_type):
        locked = threading.Event()
        thread = threading.Thread(target=hold, args=(ticket_type.pk, locked))
        thread.start()
        threads.append(thread)
        assert locked.wait(timeout=10)

    yield start
    release.set()
    for thread in threads:
        thread.join(timeout=10)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_wait_that_runs_out_raises_lock_timeout_and_rolls_back(settings, held_lock):
    settings.LOCK_TIMEOUT_SECONDS = 0.2
    ticket_type = TicketTypeFactory(capacity=10)
    other = TicketTypeFactory(campaign=ticket_type.campaign, capacity=10)
    held_lock(ticket_type)

    with pytest.raises(LockTimeout), transaction.atomic():
        TicketType.objects.filter(pk=other.pk).update(capacity=11)
        lock_one(TicketType.objects, pk=ticket_type.pk)

    assert TicketType.objects.get(pk=other.pk).capacity == 10


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_booking_that_cannot_get_the_seats_lock_in_time_is_a_503_to_retry(
    settings, held_lock, client_for
):
    settings.LOCK_TIMEOUT_SECONDS = 0.2
    ticket_type = TicketTypeFactory(capacity=10)
    held_lock(ticket_type)

    response = client_for(UserFactory()).post(
        "/api/v1/bookings/",
        {
            "campaign": ticket_type.campaign_id,
            "items": [{"ticket_type": ticket_type.pk, "quantity": 1}],
            "issuance": "single",
        },
        format="json",
    )

    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    assert response.json() == {
        "code": "busy",
        "detail": "Someone else is changing the same thing right now. Please try again.",
    }
    assert Booking.objects.count() == 0
    assert TicketType.objects.get(pk=ticket_type.pk).reserved == 0
