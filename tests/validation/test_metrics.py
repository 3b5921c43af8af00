"""Door scans on GET /metrics: one count per recorded scan, by result and mode."""

from datetime import timedelta

import pytest
from django.utils import timezone

from bookings.models import Booking, Ticket
from validation.services import OfflineScan, scan_ticket, scans_sync

pytestmark = pytest.mark.django_db

SCANS = "tickets_scans_total"


def test_a_scan_of_each_result_is_counted_once_and_replays_are_not(
    manager,
    other_manager,
    holder,
    entry_type,
    entry_ticket,
    table_ticket,
    confirm,
    metric_changes,
    django_capture_on_commit_callbacks,
):
    unpaid = confirm(holder, entry_type).tickets.get()
    Booking.objects.filter(pk=unpaid.booking_id).update(status=Booking.Status.EXPIRED)
    Ticket.objects.filter(pk=table_ticket.pk).update(status=Ticket.Status.VOID)

    def scan(who, qr, nonce=None):
        return scan_ticket(manager=who, qr=qr, device_id="gate-1", nonce=nonce).result

    with django_capture_on_commit_callbacks(execute=True):
        results = [
            scan(manager, entry_ticket.qr_token, nonce="n-1"),
            scan(manager, entry_ticket.qr_token, nonce="n-1"),  # a retry: the same answer
            scan(manager, entry_ticket.qr_token),
            scan(manager, "not a token"),
            scan(other_manager, entry_ticket.qr_token),
            scan(manager, unpaid.qr_token),
            scan(manager, table_ticket.qr_token),
        ]
        offline = scans_sync(
            manager=manager,
            device_id="gate-2",
            scans=[
                OfflineScan(
                    nonce="off-1",
                    qr=entry_ticket.qr_token,
                    scanned_at=timezone.now() - timedelta(minutes=5),
                )
            ],
        )

    assert results == [
        "valid",
        "valid",
        "already_used",
        "invalid",
        "wrong_campaign",
        "not_paid",
        "void",
    ]
    assert [s.result for s in offline] == ["already_used"]
    assert metric_changes(SCANS) == {
        "mode=online,result=valid": 1,
        "mode=online,result=already_used": 1,
        "mode=online,result=invalid": 1,
        "mode=online,result=wrong_campaign": 1,
        "mode=online,result=not_paid": 1,
        "mode=online,result=void": 1,
        "mode=offline,result=already_used": 1,
    }
