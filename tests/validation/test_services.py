"""scan_ticket and scans_sync: every result, multi-entry allowance, nonce replays, offline
ordering and conflicts."""

from datetime import timedelta

import pytest
from django.utils import timezone

from bookings.models import Booking, Ticket
from bookings.tickets.qr import encode_token
from core.crypto import new_key
from tests.factories import CampaignFactory, TicketTypeFactory
from validation.models import Scan
from validation.services import NonceTaken, OfflineScan, scan_ticket, scans_sync

pytestmark = pytest.mark.django_db


def _scan(manager, ticket_or_qr, nonce=None, **kwargs):
    qr = ticket_or_qr.qr_token if isinstance(ticket_or_qr, Ticket) else ticket_or_qr
    return scan_ticket(manager=manager, qr=qr, device_id="gate-1", nonce=nonce, **kwargs)


def _used(ticket) -> int:
    return Ticket.objects.get(pk=ticket.pk).scans_used


def test_a_paid_ticket_is_admitted_once_and_then_already_used(manager, entry_ticket):
    first = _scan(manager, entry_ticket, nonce="nonce-0001")

    assert first.answer == {
        "result": "valid",
        "reason": None,
        "ticket": {
            "id": entry_ticket.pk,
            "ticket_type": entry_ticket.ticket_type_id,
            "ticket_type_name": "Entry",
            "holder_name": "Grace Holder",
            "scans_allowed": 1,
            "scans_used": 1,
        },
        "scans_remaining": 0,
    }
    assert (first.result, first.conflict, first.offline) == ("valid", False, False)
    assert first.ticket_id == entry_ticket.pk
    assert first.campaign_id == entry_ticket.booking.campaign_id
    assert first.device_id == "gate-1"

    second = _scan(manager, entry_ticket)

    assert second.answer["result"] == "already_used"
    assert second.answer["reason"] == "No entries left: it admits 1, all used."
    assert second.answer["ticket"]["scans_used"] == 1
    assert second.answer["scans_remaining"] == 0
    assert second.conflict is False
    assert second.nonce.startswith("srv-")
    assert _used(entry_ticket) == 1


def test_a_group_ticket_admits_exactly_its_allowance(manager, table_ticket):
    results = [_scan(manager, table_ticket).answer for _ in range(8)]

    assert [answer["result"] for answer in results] == ["valid"] * 6 + ["already_used"] * 2
    assert [answer["scans_remaining"] for answer in results] == [5, 4, 3, 2, 1, 0, 0, 0]
    assert _used(table_ticket) == 6
    assert Scan.objects.filter(ticket=table_ticket, result="valid").count() == 6


@pytest.mark.parametrize(
    "qr",
    [
        "",
        "not a token",
        "T1.nosuchid." + "A" * 56,
        "x" * 5000,
        12345,
        None,
        {"qr": "T1"},
    ],
    ids=["empty", "text", "unknown-campaign", "huge", "number", "none", "object"],
)
def test_undecodable_codes_are_invalid_and_count_nothing(manager, entry_ticket, qr):
    scan = _scan(manager, qr)

    assert scan.answer == {
        "result": "invalid",
        "reason": "Not one of our tickets: the code is unreadable or forged.",
        "ticket": None,
        "scans_remaining": None,
    }
    assert (scan.ticket_id, scan.campaign_id) == (None, None)
    assert _used(entry_ticket) == 0


def test_a_forged_or_superseded_code_is_invalid(manager, entry_ticket, campaign):
    forged = encode_token(
        campaign_id=campaign.pk,
        public_id=campaign.public_id,
        key_version=1,
        key=new_key(),
        ticket_id=entry_ticket.pk,
        scans_allowed=99,
    )
    reissued = encode_token(
        campaign_id=campaign.pk,
        public_id=campaign.public_id,
        key_version=1,
        key=campaign.keys.get().key_bytes,
        ticket_id=entry_ticket.pk,
        scans_allowed=1,
    )

    for qr in (forged, reissued):
        scan = _scan(manager, qr)
        assert scan.answer == {
            "result": "invalid",
            "reason": "Not one of our tickets: the code is unreadable or forged.",
            "ticket": None,
            "scans_remaining": None,
        }
        assert scan.campaign_id == campaign.pk
    assert _used(entry_ticket) == 0


def test_a_manager_of_another_campaign_learns_nothing(other_manager, entry_ticket):
    scan = _scan(other_manager, entry_ticket)

    assert scan.answer == {
        "result": "wrong_campaign",
        "reason": "This ticket is for another event.",
        "ticket": None,
        "scans_remaining": None,
    }
    assert scan.ticket_id == entry_ticket.pk  # kept for the admins only
    assert _used(entry_ticket) == 0


@pytest.mark.parametrize("status", [Booking.Status.PENDING_PAYMENT, Booking.Status.EXPIRED])
def test_a_ticket_of_an_unpaid_booking_is_not_paid(manager, entry_ticket, status):
    Booking.objects.filter(pk=entry_ticket.booking_id).update(status=status)

    scan = _scan(manager, entry_ticket)

    assert scan.answer["result"] == "not_paid"
    assert scan.answer["reason"] == "This booking has not been paid."
    assert scan.answer["ticket"]["id"] == entry_ticket.pk
    assert scan.answer["scans_remaining"] == 0
    assert _used(entry_ticket) == 0


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (Booking.Status.REFUNDED, "This ticket was refunded."),
        (Booking.Status.CANCELLED, "This booking was cancelled."),
    ],
)
def test_a_ticket_of_a_refunded_or_cancelled_booking_is_void(manager, entry_ticket, status, reason):
    Booking.objects.filter(pk=entry_ticket.booking_id).update(status=status)

    scan = _scan(manager, entry_ticket)

    assert (scan.answer["result"], scan.answer["reason"]) == ("void", reason)
    assert scan.answer["ticket"]["id"] == entry_ticket.pk
    assert scan.answer["scans_remaining"] == 0
    assert _used(entry_ticket) == 0


def test_void_comes_before_not_paid(manager, entry_ticket):
    Ticket.objects.filter(pk=entry_ticket.pk).update(status=Ticket.Status.VOID)
    Booking.objects.filter(pk=entry_ticket.booking_id).update(status=Booking.Status.EXPIRED)

    assert _scan(manager, entry_ticket).answer["result"] == "void"
    assert _used(entry_ticket) == 0


def test_a_void_ticket_is_void(manager, entry_ticket):
    Ticket.objects.filter(pk=entry_ticket.pk).update(status=Ticket.Status.VOID)

    scan = _scan(manager, entry_ticket)

    assert scan.answer["result"] == "void"
    assert scan.answer["reason"] == "This ticket is no longer valid: it was cancelled or replaced."
    assert scan.answer["scans_remaining"] == 0
    assert _used(entry_ticket) == 0


def test_the_same_nonce_returns_the_first_answer_and_counts_nothing(manager, table_ticket):
    first = _scan(manager, table_ticket, nonce="retry-0001")
    Ticket.objects.filter(pk=table_ticket.pk).update(status=Ticket.Status.VOID)

    again = _scan(manager, table_ticket, nonce="retry-0001")
    with_other_code = _scan(manager, "garbage", nonce="retry-0001")

    assert again.pk == with_other_code.pk == first.pk
    assert again.answer == first.answer
    assert again.answer["result"] == "valid"
    assert again.answer["scans_remaining"] == 5
    assert _used(table_ticket) == 1
    assert Scan.objects.count() == 1


def test_a_replay_after_the_manager_left_the_campaign_returns_the_first_answer(
    manager, campaign, table_ticket
):
    first = _scan(manager, table_ticket, nonce="retry-0002")
    campaign.managers.remove(manager)

    again = _scan(manager, table_ticket, nonce="retry-0002")

    assert again.pk == first.pk
    assert again.answer == first.answer
    assert again.answer["result"] == "valid"
    assert _used(table_ticket) == 1
    assert Scan.objects.count() == 1


def test_another_managers_nonce_is_refused_and_shows_nothing(manager, campaign, entry_ticket):
    colleague = CampaignFactory().managers.create(email="colleague@example.com", role="manager")
    _scan(manager, entry_ticket, nonce="shared-0001")

    with pytest.raises(NonceTaken):
        _scan(colleague, entry_ticket, nonce="shared-0001")

    assert Scan.objects.count() == 1
    assert _used(entry_ticket) == 1


def test_an_offline_scan_keeps_the_device_time(manager, entry_ticket):
    scanned_at = timezone.now() - timedelta(hours=2)

    scan = _scan(manager, entry_ticket, nonce="offline-01", scanned_at=scanned_at, offline=True)

    assert (scan.scanned_at, scan.offline, scan.result) == (scanned_at, True, "valid")


def test_an_online_scan_is_timed_by_the_server(manager, entry_ticket):
    before = timezone.now()

    scan = _scan(manager, entry_ticket, scanned_at=before - timedelta(days=3))

    assert scan.scanned_at >= before
    assert scan.offline is False


def _offline(nonce, ticket, minutes_ago):
    return OfflineScan(
        nonce=nonce, qr=ticket.qr_token, scanned_at=timezone.now() - timedelta(minutes=minutes_ago)
    )


def test_sync_applies_in_scanned_order_and_answers_in_input_order(manager, entry_ticket):
    uploaded = [_offline("late-0001", entry_ticket, 5), _offline("early-001", entry_ticket, 30)]

    scans = scans_sync(manager=manager, device_id="tablet-7", scans=uploaded)

    assert [(s.nonce, s.result, s.conflict) for s in scans] == [
        ("late-0001", "already_used", True),
        ("early-001", "valid", False),
    ]
    assert {s.device_id for s in scans} == {"tablet-7"}
    assert _used(entry_ticket) == 1


def test_sync_records_entries_beyond_the_allowance_as_conflicts(
    manager, entry_ticket, table_ticket
):
    _scan(manager, entry_ticket)  # admitted online before the offline device synced
    uploaded = [_offline(f"table-{i:04}", table_ticket, 60 - i) for i in range(7)]
    uploaded.append(_offline("entry-0001", entry_ticket, 10))

    scans = scans_sync(manager=manager, device_id="tablet-7", scans=uploaded)

    assert [(s.result, s.conflict) for s in scans] == [("valid", False)] * 6 + [
        ("already_used", True),
        ("already_used", True),
    ]
    assert _used(table_ticket) == 6
    assert _used(entry_ticket) == 1
    assert set(
        Scan.objects.filter(conflict=True).values_list("nonce", "campaign_id", "offline")
    ) == {
        ("table-0006", table_ticket.booking.campaign_id, True),
        ("entry-0001", entry_ticket.booking.campaign_id, True),
    }


def test_an_online_scan_beyond_the_allowance_is_no_conflict(manager, entry_ticket):
    _scan(manager, entry_ticket)

    assert _scan(manager, entry_ticket).conflict is False


def test_a_resent_sync_replays_and_changes_nothing(manager, table_ticket):
    uploaded = [_offline(f"batch-{i:04}", table_ticket, 10 - i) for i in range(3)]
    first = scans_sync(manager=manager, device_id="tablet-7", scans=uploaded)
    count = Scan.objects.count()

    again = scans_sync(
        manager=manager,
        device_id="tablet-8",
        scans=[*uploaded, _offline("batch-9999", table_ticket, 1)],
    )

    assert [s.pk for s in again[:3]] == [s.pk for s in first]
    assert [s.device_id for s in again] == ["tablet-7"] * 3 + ["tablet-8"]
    assert [s.result for s in again] == ["valid"] * 4
    assert Scan.objects.count() == count + 1
    assert _used(table_ticket) == 4


def test_a_sync_with_another_managers_nonce_applies_nothing(manager, entry_ticket, table_ticket):
    colleague = CampaignFactory().managers.create(email="colleague@example.com", role="manager")
    scan_ticket(manager=colleague, qr="garbage", device_id="other", nonce="theirs-001")

    with pytest.raises(NonceTaken) as refused:
        scans_sync(
            manager=manager,
            device_id="tablet-7",
            scans=[
                _offline("mine-00001", table_ticket, 5),
                _offline("theirs-001", entry_ticket, 4),
            ],
        )

    assert refused.value.extra == {"nonces": ["theirs-001"]}
    assert list(Scan.objects.values_list("nonce", flat=True)) == ["theirs-001"]
    assert _used(table_ticket) == _used(entry_ticket) == 0


def test_tickets_of_every_assigned_campaign_are_admitted(manager, confirm, holder):
    second = CampaignFactory()
    second.managers.add(manager)
    ticket = confirm(holder, TicketTypeFactory(campaign=second)).tickets.get()

    assert _scan(manager, ticket).result == "valid"
