"""The PostgreSQL connection: a statement a connection repeats is planned once, not per run."""

import pytest
from django.db import connection

from bookings import services
from tests.deploy.test_settings import settings_values
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


def test_prepared_statements_can_be_turned_off_for_a_pooler_that_shares_sessions():
    url = "postgres://tickets@127.0.0.1:5432/tickets"

    (on,) = settings_values("DATABASES", DATABASE_URL=url).values()
    (off,) = settings_values("DATABASES", DATABASE_URL=url, DB_PREPARED_STATEMENTS="false").values()

    assert on["default"]["OPTIONS"]["server_side_binding"] is True
    assert on["default"]["OPTIONS"]["prepare_threshold"] == 5
    assert "server_side_binding" not in off["default"]["OPTIONS"]
    assert "prepare_threshold" not in off["default"]["OPTIONS"]
