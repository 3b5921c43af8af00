"""Door validation: decide what a scanned QR code means and count each entry exactly once.

Every scan carries a nonce (chosen by the device, or by the server for online scans without
one). The unique nonce makes retries and re-synced offline scans replays: they return the
stored first answer and count nothing.
"""

import base64
import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.services import audit_event_record
from bookings.models import Booking, Ticket
from bookings.tickets.qr import DecodedToken, Reason, ticket_for_token
from campaigns.models import Campaign, CampaignKey
from core import metrics
from core.errors import Conflict, Invalid
from core.locking import lock_one
from validation import live
from validation.models import PairingCode, RefusedScan, Scan, ScannerDevice

Result = Scan.Result


class NonceTaken(Conflict):
    code = "nonce_taken"
    default_detail = "This nonce belongs to another manager's or device's scan; send a fresh one."


class BundleStale(Conflict):
    code = "bundle_stale"
    default_detail = (
        "The campaign's QR key was rotated since this offline bundle was made: fetch a new "
        "bundle, then send these scans again."
    )


class PairingCodeInvalid(Invalid):
    code = "pairing_code_invalid"
    default_detail = "This pairing code is not one we issued. Check it, or add the scanner again."


class PairingCodeExpired(Conflict):
    code = "pairing_code_expired"
    default_detail = "This pairing code has expired. Add the scanner again for a new code."


class PairingCodeUsed(Conflict):
    code = "pairing_code_used"
    default_detail = "This pairing code was already used. Add the scanner again for a new code."


@dataclass(frozen=True)
class OfflineScan:
    """One scan made without a connection, as the device uploads it: of a code (`qr`), or a
    check-in by hand of a ticket found in the offline bundle (`ticket_id`)."""

    nonce: str
    scanned_at: datetime
    qr: str = ""
    ticket_id: int | None = None


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


def _earlier_scan(*, nonce: str, manager: User, device: ScannerDevice | None) -> Scan | None:
    """The scan already recorded under `nonce`; another manager's or device's nonce is
    refused, since replaying it would show them a ticket they may not see."""
    scan = Scan.objects.filter(nonce=nonce).first()
    if scan is not None and (
        scan.manager_id != manager.pk or scan.scanner_device_id != (device and device.pk)
    ):
        raise NonceTaken()
    return scan


def _may_scan(
    *, manager: User, device: ScannerDevice | None, campaign_id: int, door: int | None
) -> bool:
    """A device scans its own campaign only; a person, the campaigns assigned to them; a
    check-in list (`door`, a campaign id), its own campaign's tickets only."""
    if door is not None and campaign_id != door:
        return False
    if device is not None:
        return device.campaign_id == campaign_id
    return manager.managed_campaigns.filter(pk=campaign_id).exists()


def _count_entry(*, ticket_id: int) -> bool:
    """Count one entry if the ticket has one left. The condition is part of the UPDATE, so the
    count never passes the allowance even if the ticket was read without its lock."""
    counted = Ticket.objects.filter(pk=ticket_id, scans_used__lt=F("scans_allowed")).update(
        scans_used=F("scans_used") + 1
    )
    return counted == 1


def _record(**fields) -> Scan:
    """Store a decided scan. It is counted, and an admission announced to the campaign's door
    page and devices, once its transaction commits: a scan that loses a race on its nonce
    rolls back and was never made."""
    scan = Scan.objects.create(**fields)
    mode = "offline" if scan.offline else "online"
    metrics.count_on_commit(metrics.SCANS, result=scan.result, mode=mode)
    if scan.result == Result.VALID:
        live.door_counts_changed(scan.campaign_id)
    return scan


def _locked_ticket(tickets: QuerySet[Ticket]) -> Ticket | None:
    """The one ticket of `tickets`, locked until the scan commits, or None. The scan reads the
    ticket once, under its lock: concurrent scans of it queue, and each decides on the count
    the one before committed."""
    try:
        return lock_one(tickets)
    except Ticket.DoesNotExist:
        return None


def _ticket_by_id(*, ticket_id: int, campaign_id: int) -> tuple[DecodedToken, Ticket | None]:
    """A check-in by hand names the ticket, not its code: the same outcome as a scan, an
    unknown ticket reading as an unreadable code. Call inside the scan's transaction."""
    ticket = _locked_ticket(
        Ticket.objects.select_related("booking", "ticket_type").filter(pk=ticket_id)
    )
    if ticket is None:
        return DecodedToken(Reason.UNKNOWN_TICKET, campaign_id=campaign_id), None
    return DecodedToken(None, campaign_id=ticket.booking.campaign_id, ticket_id=ticket.pk), ticket


def _scan_once(
    *,
    manager: User,
    device: ScannerDevice | None,
    found: tuple[DecodedToken, Ticket | None],
    door: int | None,
    device_id: str,
    nonce: str,
    scanned_at: datetime,
    offline: bool,
) -> Scan:
    """Decide and record a scan, or return the scan its nonce already made; call inside a
    transaction. `found` is what the code (or the hand-picked ticket) stands for, the ticket
    read under its lock; `door` limits it to one campaign."""
    record = {
        "manager": manager,
        "scanner_device": device,
        "device_id": device_id,
        "nonce": nonce,
        "scanned_at": scanned_at,
        "offline": offline,
    }
    decoded, ticket = found
    if ticket is None:
        return _record(
            **record,
            campaign_id=decoded.campaign_id,
            result=Result.INVALID,
            answer=_answer(Result.INVALID),
        )
    if not _may_scan(manager=manager, device=device, campaign_id=decoded.campaign_id, door=door):
        # Recorded for the admins, but the manager learns nothing about the ticket.
        return _record(
            **record,
            ticket=ticket,
            campaign_id=decoded.campaign_id,
            result=Result.WRONG_CAMPAIGN,
            answer=_answer(Result.WRONG_CAMPAIGN),
        )
    # Checked under the lock: a replay, or a request with the same nonce that committed while
    # this one waited for the row, is answered before anything is counted.
    earlier = _earlier_scan(nonce=nonce, manager=manager, device=device)
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
        # The row is locked: the stored count is the one read, plus this entry.
        ticket.scans_used += 1
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


def _scan(
    *,
    manager: User,
    device: ScannerDevice | None,
    find,
    device_id: str,
    nonce: str | None,
    scanned_at: datetime | None,
    offline: bool,
    door: int | None = None,
) -> Scan:
    """Record one scan under its nonce, or return the scan that nonce already made; `find()`
    says what was presented. Online scans are timed by the server. A replay is found under
    the ticket's lock before anything is counted, or, when it is `invalid` or
    `wrong_campaign`, by its unique nonce failing to insert: no scan pays a nonce query
    ahead of its transaction for the rare replay."""
    nonce = nonce or new_nonce()
    try:
        with transaction.atomic():
            return _scan_once(
                manager=manager,
                device=device,
                found=find(),
                door=door,
                device_id=device_id,
                nonce=nonce,
                scanned_at=scanned_at if offline and scanned_at else timezone.now(),
                offline=offline,
            )
    except IntegrityError:
        # The nonce was already recorded (a replay refused as invalid or wrong_campaign, or a
        # concurrent request with no ticket lock to wait on): this attempt rolled back
        # entirely, and the first answer stands.
        earlier = _earlier_scan(nonce=nonce, manager=manager, device=device)
        if earlier is None:
            raise
        return earlier


def scan_ticket(
    *,
    manager: User,
    qr: object,
    device_id: str,
    nonce: str | None = None,
    scanned_at: datetime | None = None,
    offline: bool = False,
    device: ScannerDevice | None = None,
) -> Scan:
    """Validate a presented QR code for `manager` (or for the paired `device`, whose pairer
    is then `manager`) and count the entry if it is admitted.

    Returns the recorded scan (its `answer` is the response body). A nonce seen before
    returns that first scan unchanged. Online scans are timed by the server; offline ones
    keep the device's `scanned_at`. Never raises for a bad token: that is `invalid`.
    """
    return _scan(
        manager=manager,
        device=device,
        find=lambda: ticket_for_token(qr, read=_locked_ticket),
        device_id=device_id,
        nonce=nonce,
        scanned_at=scanned_at,
        offline=offline,
    )


def ticket_check_in(
    *,
    manager: User,
    campaign: Campaign,
    ticket_id: int,
    device_id: str,
    nonce: str | None = None,
    device: ScannerDevice | None = None,
) -> Scan:
    """Check a ticket in by hand from the check-in list: recorded and decided as a scan of
    its code would be (a ticket of another campaign than `campaign` is `wrong_campaign`)."""
    return _scan(
        manager=manager,
        device=device,
        find=lambda: _ticket_by_id(ticket_id=ticket_id, campaign_id=campaign.pk),
        door=campaign.pk,
        device_id=device_id,
        nonce=nonce,
        scanned_at=None,
        offline=False,
    )


def _current_key_version(campaign_id: int) -> int | None:
    return (
        CampaignKey.objects.filter(campaign_id=campaign_id)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
    )


def scans_sync(
    *,
    manager: User,
    device_id: str,
    scans: list[OfflineScan],
    device: ScannerDevice | None = None,
    bundle: tuple[int, int] | None = None,
    door: int | None = None,
) -> list[Scan]:
    """Apply a device's offline scans in the order they happened; returns them in input order.
    Check-ins by hand are of campaign `door` (whose door the caller works), as online.

    Each scan commits on its own, so an interrupted upload is simply sent again: the scans
    already applied come back as replays. Refuses the whole batch, applying nothing, when a
    nonce is another manager's or device's, or when `bundle` (campaign id, key version of
    the offline bundle the device decided with) predates the campaign's current QR key:
    `bundle_stale` tells the device to fetch a new bundle and send the scans again.
    """
    if bundle is not None:
        campaign_id, key_version = bundle
        current = _current_key_version(campaign_id)
        if key_version != current:
            raise BundleStale(key_version=current)
    foreign = sorted(
        Scan.objects.filter(nonce__in=[scan.nonce for scan in scans])
        .exclude(manager=manager, scanner_device=device)
        .values_list("nonce", flat=True)
    )
    if foreign:
        raise NonceTaken(nonces=foreign)
    applied: dict[int, Scan] = {}
    # sorted() is stable: scans made in the same instant keep the device's order.
    for index in sorted(range(len(scans)), key=lambda i: scans[i].scanned_at):
        scan = scans[index]
        by_hand = scan.ticket_id is not None
        applied[index] = _scan(
            manager=manager,
            device=device,
            find=_finder(scan, door),
            door=door if by_hand else None,
            device_id=device_id,
            nonce=scan.nonce,
            scanned_at=scan.scanned_at,
            offline=True,
        )
    return [applied[index] for index in range(len(scans))]


def _finder(scan: OfflineScan, door: int | None):
    """What an offline scan presented: a ticket named by hand, or a code."""
    if scan.ticket_id is not None:
        return lambda: _ticket_by_id(ticket_id=scan.ticket_id, campaign_id=door)
    return lambda: ticket_for_token(scan.qr, read=_locked_ticket)


def offline_bundle_issue(
    *,
    campaign: Campaign,
    manager: User,
    device: ScannerDevice | None = None,
    ip: str | None = None,
) -> dict:
    """What a scanner needs to validate `campaign` offline: its QR keys (and the public id
    that tokens name it by) and the tickets of its paid bookings, refunded and cancelled ones
    included, with what the door shows of each (type, holder). Call only for a manager
    assigned to the campaign or a device paired to it (`manager` its pairer); every download
    is audited, naming the device,
    because it hands out the campaign's secret keys.

    `key` is the current version (every campaign gets one when it is created); `keys` adds
    the older versions that tickets still carry. Past `expires_at` the device must fetch a
    new bundle before deciding offline.
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
            metadata={
                "key_version": current.version,
                "tickets": len(tickets),
                "device": device.pk if device is not None else None,
            },
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
        "expires_at": generated_at + timedelta(hours=settings.OFFLINE_BUNDLE_HOURS),
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


# --- Scanner devices ------------------------------------------------------------------------

# Unambiguous characters (no 0/O, 1/I/L): the code is read off one screen and typed on another.
PAIRING_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
PAIRING_CODE_LENGTH = 8
# What the QR code holds: the scanner page with the long token in its fragment (never sent
# to a server, so never in a log); the app posts the token, or the whole text, to pair.
PAIRING_QR_FRAGMENT = "#pair="
_HUMAN_CODE = re.compile(rf"[{PAIRING_ALPHABET}]{{{PAIRING_CODE_LENGTH}}}")


@dataclass(frozen=True)
class PairingSecret:
    """A pairing code as shown once to the person adding the device: the short code to type
    (`XXXX-XXXX`) and the token the QR code carries."""

    code: str
    qr_token: str
    expires_at: datetime


def pairing_qr_text(secret: PairingSecret) -> str:
    """What the pairing QR code holds: the scanner page, the token in its fragment."""
    return f"{settings.SITE_URL}{reverse('scanner')}{PAIRING_QR_FRAGMENT}{secret.qr_token}"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _human_code() -> str:
    raw = "".join(secrets.choice(PAIRING_ALPHABET) for _ in range(PAIRING_CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def _code_lookup(pairing_code: str) -> dict:
    """The PairingCode lookup for what a device sent: the short code in any case, with or
    without its dash or spaces, or the QR code's token, alone or within the QR code's text."""
    text = pairing_code.strip()
    if PAIRING_QR_FRAGMENT in text:
        return {"qr_token_hash": _digest(text.rsplit(PAIRING_QR_FRAGMENT, 1)[1])}
    short = re.sub(r"[\s-]", "", text).upper()
    if _HUMAN_CODE.fullmatch(short):
        return {"code_hash": _digest(f"{short[:4]}-{short[4:]}")}
    return {"qr_token_hash": _digest(text)}


def device_add(
    *, campaign: Campaign, name: str, user: User, ip: str | None = None
) -> tuple[ScannerDevice, PairingSecret]:
    """Add a scanner device to `campaign` and issue its single-use pairing code. Call only for
    the campaign's seller or a manager assigned to it: they answer for the device's scans."""
    secret = PairingSecret(
        code=_human_code(),
        qr_token=secrets.token_urlsafe(24),
        expires_at=timezone.now() + timedelta(minutes=settings.PAIRING_CODE_MINUTES),
    )
    with transaction.atomic():
        device = ScannerDevice.objects.create(campaign=campaign, name=name, paired_by=user)
        PairingCode.objects.create(
            device=device,
            code_hash=_digest(secret.code),
            qr_token_hash=_digest(secret.qr_token),
            expires_at=secret.expires_at,
        )
        audit_event_record(
            actor=user,
            action="device.added",
            target=device,
            ip=ip,
            metadata={"campaign": campaign.pk, "name": name},
        )
    return device, secret


def device_pair(*, pairing_code: str, ip: str | None = None) -> tuple[ScannerDevice, str]:
    """Spend a pairing code: the device gets its token, returned once and stored hashed.

    The code's row is locked, so of simultaneous pairings with one code exactly one wins;
    the others, and every later try, are `pairing_code_used`. A refusal changes nothing.
    """
    lookup = _code_lookup(pairing_code)
    token = f"dt_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        try:
            code = lock_one(PairingCode.objects.select_related("device"), **lookup)
        except PairingCode.DoesNotExist:
            raise PairingCodeInvalid() from None
        device = code.device
        if code.used_at is not None or device.revoked_at is not None:
            raise PairingCodeUsed()
        now = timezone.now()
        if code.expires_at <= now:
            raise PairingCodeExpired()
        PairingCode.objects.filter(pk=code.pk).update(used_at=now)
        device.token_hash = _digest(token)
        device.paired_at = now
        device.last_seen_at = now
        device.save(update_fields=["token_hash", "paired_at", "last_seen_at"])
        audit_event_record(
            actor=None,
            action="device.paired",
            target=device,
            ip=ip,
            metadata={"campaign": device.campaign_id, "paired_by": device.paired_by_id},
        )
    return device, token


def device_for_token(token: str) -> ScannerDevice | None:
    """The paired device a token belongs to, revoked or not (the caller refuses revoked ones),
    with `pairer_on_door`: whether who added it still runs the campaign's door (its seller or
    an assigned manager). One query."""
    still_assigned = Campaign.managers.through.objects.filter(
        campaign_id=OuterRef("campaign_id"), user_id=OuterRef("paired_by_id")
    )
    return (
        ScannerDevice.objects.select_related("campaign", "paired_by")
        .annotate(pairer_on_door=Q(campaign__seller_id=F("paired_by_id")) | Exists(still_assigned))
        .filter(token_hash=_digest(token))
        .first()
    )


LAST_SEEN_RESOLUTION = timedelta(minutes=1)


def device_seen(*, device: ScannerDevice) -> None:
    """Note that the device called, at most one write a minute whatever its scan rate."""
    now = timezone.now()
    if device.last_seen_at is not None and now - device.last_seen_at < LAST_SEEN_RESOLUTION:
        return
    ScannerDevice.objects.filter(pk=device.pk).filter(
        Q(last_seen_at__isnull=True) | Q(last_seen_at__lte=now - LAST_SEEN_RESOLUTION)
    ).update(last_seen_at=now)
    device.last_seen_at = now


def device_revoke(*, device: ScannerDevice, user: User, ip: str | None = None) -> ScannerDevice:
    """Revoke a device: its next call is refused (401) and its pending code can no longer
    pair. Revoking again changes nothing. Call only for the campaign's seller or one of its
    managers."""
    with transaction.atomic():
        device = lock_one(ScannerDevice.objects, pk=device.pk)
        if device.revoked_at is not None:
            return device
        device.revoked_at = timezone.now()
        device.revoked_by = user
        device.save(update_fields=["revoked_at", "revoked_by"])
        audit_event_record(
            actor=user,
            action="device.revoked",
            target=device,
            ip=ip,
            metadata={"campaign": device.campaign_id, "name": device.name},
        )
        live.device_revoked(campaign_id=device.campaign_id, device_id=device.pk)
    return device


def revoked_scans_record(*, device: ScannerDevice, scans: list[OfflineScan]) -> list[str]:
    """Keep the offline scans a revoked device tried to sync, applying none of them, so the
    seller sees them; a re-sent scan is kept once. Returns the refused nonces."""
    rows = []
    for scan in scans:
        if scan.ticket_id is not None:
            ticket = Ticket.objects.filter(pk=scan.ticket_id).select_related("booking").first()
        else:
            _, ticket = ticket_for_token(scan.qr)
        if ticket is not None and ticket.booking.campaign_id != device.campaign_id:
            ticket = None
        rows.append(
            RefusedScan(
                device=device,
                nonce=scan.nonce,
                qr=scan.qr,
                ticket=ticket,
                scanned_at=scan.scanned_at,
            )
        )
    with transaction.atomic():
        RefusedScan.objects.bulk_create(rows, ignore_conflicts=True)
    return [scan.nonce for scan in scans]
