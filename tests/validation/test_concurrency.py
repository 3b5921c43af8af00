"""Simultaneous scans from real threads, each with its own PostgreSQL connection.

Each test runs twice: with the ticket row lock, and with it taken away to show the race is
real (every thread reads the ticket before any has counted). What must hold in both: the
conditional count and the unique nonce never admit more than the allowance.
"""

import pytest

from accounts.models import AuditEvent
from bookings.models import Ticket
from tests.concurrency import Meeting, run_in_parallel
from validation import services
from validation.models import Scan, ScannerDevice

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 4
LOCK_VARIANTS = pytest.mark.parametrize("locked", [True, False], ids=["row-lock", "no-lock"])


@pytest.fixture
def counting(monkeypatch, locked):
    """Makes every scan that reaches the count wait until all have read the ticket; returns
    the `scans_used` each one read. Without the lock they all get there together; with it
    the others are still waiting for the row."""
    all_read = Meeting(THREADS, locked_out=locked)
    seen_used = []
    real_count = services._count_entry

    def count_when_all_have_read(*, ticket_id):
        seen_used.append(Ticket.objects.get(pk=ticket_id).scans_used)
        all_read.wait()
        return real_count(ticket_id=ticket_id)

    monkeypatch.setattr(services, "_count_entry", count_when_all_have_read)
    return seen_used


def _remove_lock(monkeypatch):
    monkeypatch.setattr(services, "lock_one", lambda queryset, **lookup: queryset.get(**lookup))


@LOCK_VARIANTS
def test_simultaneous_scans_of_a_single_entry_ticket_admit_once(
    manager, entry_ticket, counting, monkeypatch, locked
):
    if not locked:
        _remove_lock(monkeypatch)

    scans = run_in_parallel(
        [
            lambda i=i: services.scan_ticket(
                manager=manager, qr=entry_ticket.qr_token, device_id=f"d{i}"
            )
            for i in range(THREADS)
        ]
    )

    assert all(isinstance(scan, Scan) for scan in scans), scans
    assert sorted(scan.result for scan in scans) == ["already_used"] * 3 + ["valid"]
    assert Ticket.objects.get(pk=entry_ticket.pk).scans_used == 1
    if locked:
        # One at a time: the later scans read the count the first one committed.
        assert sorted(counting) == [0, 1, 1, 1]
        assert [s.answer["ticket"]["scans_used"] for s in scans] == [1] * THREADS
    else:
        # All read a free entry: a read-modify-write count would have admitted all four.
        assert counting == [0] * THREADS


@LOCK_VARIANTS
def test_simultaneous_requests_with_one_nonce_count_once(
    manager, table_ticket, counting, monkeypatch, locked
):
    if not locked:
        _remove_lock(monkeypatch)

    scans = run_in_parallel(
        [
            lambda: services.scan_ticket(
                manager=manager, qr=table_ticket.qr_token, device_id="gate", nonce="same-nonce"
            )
        ]
        * THREADS
    )

    assert all(isinstance(scan, Scan) for scan in scans), scans
    assert {scan.pk for scan in scans} == {Scan.objects.get().pk}
    assert [scan.answer["result"] for scan in scans] == ["valid"] * THREADS
    assert Ticket.objects.get(pk=table_ticket.pk).scans_used == 1
    # With the lock the later requests find the nonce once they hold the row; without it
    # all of them count, and the unique nonce rolls back every count but the first.
    assert len(counting) == (1 if locked else THREADS)


@pytest.mark.parametrize("locked", [True, False], ids=["row-lock", "no-lock"])
def test_simultaneous_pairings_with_one_code_pair_one_device(
    manager, campaign, monkeypatch, locked
):
    """Every pairing waits after reading the code until all have read it: without the row
    lock they all read it unused; with it the others wait for the row and then find it
    used."""
    _, secret = services.device_add(campaign=campaign, name="Gate", user=manager)
    all_read = Meeting(THREADS, locked_out=locked)
    real_lock_one = services.lock_one

    def read_then_wait(queryset, **lookup):
        row = real_lock_one(queryset, **lookup) if locked else queryset.get(**lookup)
        all_read.wait()
        return row

    monkeypatch.setattr(services, "lock_one", read_then_wait)

    outcomes = run_in_parallel([lambda: services.device_pair(pairing_code=secret.code)] * THREADS)

    winners = [outcome for outcome in outcomes if isinstance(outcome, tuple)]
    device = ScannerDevice.objects.get()
    if locked:
        assert len(winners) == 1
        assert sorted(type(o).__name__ for o in outcomes if o not in winners) == (
            ["PairingCodeUsed"] * (THREADS - 1)
        )
        assert device.token_hash == services._digest(winners[0][1])
        assert AuditEvent.objects.filter(action="device.paired").count() == 1
    else:
        # The race is real: every one of them was handed a token.
        assert len(winners) == THREADS
