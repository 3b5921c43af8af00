"""A transfer and a door scan of the same ticket at the same moment, from real threads with
their own PostgreSQL connections: exactly one of them takes effect.

Both paths lock the ticket row before deciding (bookings.tickets.holders, validation
.services). Each decision point is held back until the other thread has read the ticket too,
for up to a second: with the locks the second thread is still waiting for the row, so the
two run one after the other; without them both read a valid, unused ticket and both act.
"""

import pytest

from bookings.models import Ticket
from bookings.tickets import holders
from tests.concurrency import Meeting, run_in_parallel
from tests.factories import ManagerFactory
from validation import services as validation
from validation.models import Scan

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

LOCK_VARIANTS = pytest.mark.parametrize("locked", [True, False], ids=["row-lock", "no-lock"])


@pytest.fixture
def both_read(monkeypatch, locked):
    """Holds the transfer's checks and the scan's count until both threads got there (with
    the locks, at most 2 s, well under the 5 s lock wait); records what each read."""
    meeting = Meeting(2, locked_out=locked)
    seen = {}
    real_refusal, real_count = holders._refusal, validation._count_entry

    def refusal(ticket, error):
        seen["transfer"] = (ticket.status, ticket.scans_used)
        meeting.wait()
        return real_refusal(ticket, error)

    def count(*, ticket_id):
        seen["scan"] = Ticket.objects.values_list("status", "scans_used").get(pk=ticket_id)
        meeting.wait()
        return real_count(ticket_id=ticket_id)

    monkeypatch.setattr(holders, "_refusal", refusal)
    monkeypatch.setattr(validation, "_count_entry", count)
    return seen


def _without_locks(monkeypatch):
    def plain_get(queryset, **lookup):
        return queryset.get(**lookup)

    monkeypatch.setattr(holders, "lock_one", plain_get)
    monkeypatch.setattr(validation, "lock_one", plain_get)


@pytest.fixture
def ticket(confirm, holder, table_type):
    booking = confirm(holder, table_type, quantity=1, issuance="separate")
    return Ticket.objects.get(booking=booking)


@LOCK_VARIANTS
def test_a_transfer_racing_a_scan_leaves_exactly_one_effective(
    ticket, holder, both_read, monkeypatch, locked
):
    manager = ManagerFactory()
    ticket.booking.campaign.managers.add(manager)
    if not locked:
        _without_locks(monkeypatch)

    transfer, scan = run_in_parallel(
        [
            lambda: holders.ticket_transfer(
                ticket_id=ticket.pk, user=holder, email="femi@example.com", name="Femi"
            ),
            lambda: validation.scan_ticket(manager=manager, qr=ticket.qr_token, device_id="d1"),
        ]
    )

    assert isinstance(scan, Scan), scan
    transferred = isinstance(transfer, Ticket)
    admitted = scan.result == "valid"
    old = Ticket.objects.get(pk=ticket.pk)
    if locked:
        assert transferred != admitted, (transfer, scan.result)
        if transferred:
            # The scan waited for the row and found the ticket void.
            assert (scan.result, old.status, old.scans_used) == ("void", "void", 0)
        else:
            assert isinstance(transfer, holders.TransferNotAllowed)
            assert (old.status, old.scans_used) == ("valid", 1)
            assert not Ticket.objects.filter(transferred_from=old).exists()
    else:
        # Both read a valid, unused ticket: someone entered on a code that was given away.
        assert both_read == {"transfer": ("valid", 0), "scan": ("valid", 0)}
        assert transferred and admitted
        assert (old.status, old.scans_used) == ("void", 1)
