"""The PostgreSQL connection: a statement a connection repeats is planned once, not per run."""

import pytest
from django.db import connection

from bookings import services
from tests.factories import TicketTypeFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [statement for (statement,) in cursor.fetchall()]


def test_the_statements_of_repeated_bookings_are_prepared_on_the_server():
    ticket_type = TicketTypeFactory(capacity=100)
    customer = UserFactory()
    items = [{"ticket_type": ticket_type.pk, "quantity": 1}]

    for _ in range(6):
        services.booking_create(
            customer=customer, campaign_id=ticket_type.campaign_id, items=items, issuance="single"
        )

    prepared = _prepared_statements()
    assert any(s.startswith('UPDATE "campaigns_tickettype"') for s in prepared), prepared
    assert any(s.startswith('INSERT INTO "bookings_booking"') for s in prepared), prepared
    ticket_type.refresh_from_db()
    assert ticket_type.reserved == 6
