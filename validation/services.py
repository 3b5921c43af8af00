"""Door validation: decide what a scanned QR code means and count each entry exactly once.

Every scan carries a nonce (chosen by the device, or by the server for online scans without
one). The unique nonce makes retries and re-synced offline scans replays: they return the
stored first answer and count nothing.
"""

import base64
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from accounts.services import audit_event_record
from bookings.models import Booking, Ticket
from bookings.tickets.qr import ticket_for_token
from campaigns.models import Campaign
from core import metrics
from core.errors import Conflict
from core.locking import lock_one
from validation.models import Scan

Result = Scan.Result


class NonceTaken(Conflict):
    code = "nonce_taken"
    default_detail = "This nonce belongs to another manager's scan; send a fresh one."


@dataclass(frozen=True)
class OfflineScan:
    """One scan made without a connection, as the device uploads it."""

    nonce: str
    qr: str
    scanned_at: datetime


def new_nonce() -> str:
    return f"srv-{uuid.uuid4().hex}"


def _ticket_answer(ticket: Ticket) -> dict:
    return {
        "id": ticket.pk,
        "ticket_type": ticket.ticket_type_id,
        "ticket_type_name": ticket.ticket_type.name,
        "holder_name": ticket.holder_name,
        "scans_allowed": ticket.scans_allowed,
        "scans_used": ticket.scans_used,
    }


# Booking states whose tickets no longer admit anyone, whatever the ticket row says.
VOIDING_BOOKING_STATES = {Booking.Status.REFUNDED, Booking.Status.CANCELLED}
# Bookings whose tickets an offline bundle lists: paid ones admit, voided ones answer `void`
# offline as online (a ticket missing from the bundle can only be refused as not paid).
BUNDLE_BOOKING_STATES = {Booking.Status.CONFIRMED, *VOIDING_BOOKING_STATES}


def _reason(result: str, ticket: Ticket | None) -> str | None:
    """What the door person reads on a refusal (None when admitted)."""
    if result == Result.VALID:
        return None
    if result == Result.INVALID:
        return "Not one of our tickets: the code is unreadable or forged."
    if result == Result.WRONG_CAMPAIGN:
        return "This ticket is for another event."
    if result == Result.NOT_PAID:
        return "This booking has not been paid."
    if result == Result.ALREADY_USED:
        return f"No entries left: it admits {ticket.scans_allowed}, all used."
    if ticket.booking.status == Booking.Status.REFUNDED:
        return "This ticket was refunded."
    if ticket.booking.status == Booking.Status.CANCELLED:
        return "This booking was cancelled."
    return "This ticket is no longer valid: it was cancelled or replaced."


def _answer(result: str, ticket: Ticket | None = None) -> dict:
    """The response body; entries left are 0 for a ticket that cannot enter at all."""
    reason = _reason(result, ticket)
    if ticket is None:
        return {"result": result, "reason": reason, "ticket": None, "scans_remaining": None}
    admissible = result in (Result.VALID, Result.ALREADY_USED)
    remaining = ticket.scans_allowed - ticket.scans_used if admissible else 0
    return {
        "result": result,
        "reason": reason,
        "ticket": _ticket_answer(ticket),
        "scans_remaining": remaining,
    }


def _earlier_scan(*, nonce: str, manager: User) -> Scan | None:
    """The scan already recorded under `nonce`; another manager's nonce is refused, since
    replaying it would show them a ticket they may not see."""
    scan = Scan.objects.filter(nonce=nonce).first()
    if scan is not None and scan.manager_id != manager.pk:
        raise NonceTaken()
    return scan


def _count_entry(*, ticket_id: int) -> bool:
    """Count one entry if the ticket has one left. The condition is part of the UPDATE, so the
    count never passes the allowance, whatever ran between reading the ticket and now."""
    counted = Ticket.objects.filter(pk=ticket_id, scans_used__lt=F("scans_allowed")).update(
        scans_used=F("scans_used") + 1
    )
    return counted == 1


def _record(**fields) -> Scan:
    """Store a decided scan. It is counted once its transaction commits: a scan that loses a
    race on its nonce rolls back and was never made."""
    scan = Scan.objects.create(**fields)
    mode = "offline" if scan.offline else "online"
    metrics.count_on_commit(metrics.SCANS, result=scan.result, mode=mode)
    return scan


def _scan_once(
    *, manager: User, qr: object, device_id: str, nonce: str, scanned_at: datetime, offline: bool
) -> Scan:
    """Decide and record a scan whose nonce is new; call inside a transaction."""
    record = {
        "manager": manager,
        "device_id": device_id,
        "nonce": nonce,
        "scanned_at": scanned_at,
        "offline": offline,
    }
    decoded, ticket = ticket_for_token(qr)
    if ticket is None:
        return _record(
            **record,
            campaign_id=decoded.campaign_id,
            result=Result.INVALID,
            answer=_answer(Result.INVALID),
        )
    if not manager.managed_campaigns.filter(pk=decoded.campaign_id).exists():
        # Recorded for the admins, but the manager learns nothing about the ticket.
        return _record(
            **record,
            ticket=ticket,
            campaign_id=decoded.campaign_id,
            result=Result.WRONG_CAMPAIGN,
            answer=_answer(Result.WRONG_CAMPAIGN),
        )
    ticket = lock_one(Ticket.objects.select_related("booking", "ticket_type"), pk=ticket.pk)
    # A request with the same nonce may have committed while this one waited for the lock.
    earlier = _earlier_scan(nonce=nonce, manager=manager)
    if earlier is not None:
        return earlier
    conflict = False
    # The contract's order: void (refunded, cancelled, replaced) before not_paid.
    if ticket.status != Ticket.Status.VALID or ticket.booking.status in VOIDING_BOOKING_STATES:
        result = Result.VOID
    elif ticket.booking.status != Booking.Status.CONFIRMED:
        result = Result.NOT_PAID
    elif _count_entry(ticket_id=ticket.pk):
        result = Result.VALID
        ticket.refresh_from_db(fields=["scans_used"])
    else:
        result = Result.ALREADY_USED
        # Offline, the door already let this entry through: the seller must hear of it.
        conflict = offline
    return _record(
        **record,
        ticket=ticket,
        campaign_id=decoded.campaign_id,
        result=result,
        conflict=conflict,
        answer=_answer(result, ticket),
    )


def scan_ticket(
    *,
    manager: User,
    qr: object,
    device_id: str,
    nonce: str | None = None,
    scanned_at: datetime | None = None,
    offline: bool = False,
) -> Scan:
    """Validate a presented QR code for `manager` and count the entry if it is admitted.

    Returns the recorded scan (its `answer` is the response body). A nonce seen before
    returns that first scan unchanged. Online scans are timed by the server; offline ones
    keep the device's `scanned_at`. Never raises for a bad token: that is `invalid`.
    """
    nonce = nonce or new_nonce()
    earlier = _earlier_scan(nonce=nonce, manager=manager)
    if earlier is not None:
        return earlier
    try:
        with transaction.atomic():
            return _scan_once(
                manager=manager,
                qr=qr,
                device_id=device_id,
                nonce=nonce,
                scanned_at=scanned_at if offline and scanned_at else timezone.now(),
                offline=offline,
            )
    except IntegrityError:
        # The same nonce committed concurrently (without a ticket lock to wait on): this
        # attempt rolled back entirely, its count included, and the first answer stands.
        earlier = _earlier_scan(nonce=nonce, manager=manager)
        if earlier is None:
            raise
        return earlier


def scans_sync(*, manager: User, device_id: str, scans: list[OfflineScan]) -> list[Scan]:
    """Apply a device's offline scans in the order they happened; returns them in input order.

    Each scan commits on its own, so an interrupted upload is simply sent again: the scans
    already applied come back as replays. Refuses the whole batch, applying nothing, when a
    nonce is another manager's.
    """
    foreign = sorted(
        Scan.objects.filter(nonce__in=[scan.nonce for scan in scans])
        .exclude(manager=manager)
        .values_list("nonce", flat=True)
    )
    if foreign:
        raise NonceTaken(nonces=foreign)
    applied: dict[int, Scan] = {}
    # sorted() is stable: scans made in the same instant keep the device's order.
    for index in sorted(range(len(scans)), key=lambda i: scans[i].scanned_at):
        scan = scans[index]
        applied[index] = scan_ticket(
            manager=manager,
            qr=scan.qr,
            device_id=device_id,
            nonce=scan.nonce,
            scanned_at=scan.scanned_at,
            offline=True,
        )
    return [applied[index] for index in range(len(scans))]


def offline_bundle_issue(*, campaign: Campaign, manager: User, ip: str | None = None) -> dict:
    """What a scanner needs to validate `campaign` offline: its QR keys (and the public id
    that tokens name it by) and the tickets of its paid bookings, refunded and cancelled ones
    included, with what the door shows of each (type, holder). Call only for a manager assigned to the campaign; audited
    because it hands out the campaign's secret keys.

    `key` is the current version (every campaign gets one when it is created); `keys` adds
    the older versions that tickets still carry.
    """
    tickets = list(
        Ticket.objects.filter(booking__campaign=campaign, booking__status__in=BUNDLE_BOOKING_STATES)
        .order_by("pk")
        .values(
            "id",
            "status",
            "scans_allowed",
            "scans_used",
            "qr_key_version",
            "holder_name",
            "ticket_type_id",
            "ticket_type__name",
            "booking__status",
        )
    )
    campaign_keys = list(campaign.keys.order_by("-version"))
    current = campaign_keys[0]
    in_use = {current.version} | {ticket["qr_key_version"] for ticket in tickets}
    generated_at = timezone.now()
    with transaction.atomic():
        audit_event_record(
            actor=manager,
            action="validation.offline_bundle_issued",
            target=campaign,
            ip=ip,
            metadata={"key_version": current.version, "tickets": len(tickets)},
        )
    return {
        "campaign": campaign.pk,
        "public_id": campaign.public_id,
        "key": base64.b64encode(current.key_bytes).decode(),
        "key_version": current.version,
        "keys": [
            {"version": key.version, "key": base64.b64encode(key.key_bytes).decode()}
            for key in campaign_keys
            if key.version in in_use
        ],
        "generated_at": generated_at,
        "tickets": [
            {
                "id": ticket["id"],
                "status": ticket["status"],
                "booking_status": ticket["booking__status"],
                "key_version": ticket["qr_key_version"],
                "scans_allowed": ticket["scans_allowed"],
                "scans_used": ticket["scans_used"],
                "ticket_type": ticket["ticket_type_id"],
                "ticket_type_name": ticket["ticket_type__name"],
                "holder_name": ticket["holder_name"],
            }
            for ticket in tickets
        ],
    }
