"""Sending each notice exactly once, and the seller's messages to a campaign's buyers.

A notice is claimed and sent in one transaction: the `SentNotice` row (unique key) is
inserted, the mail is handed to the mail server, then the transaction commits. A second
delivery of the same task waits on the key's index entry and finds it taken; a send that
fails rolls the claim back, so the task's retry sends it. The only way to double a notice is
a crash between the mail server accepting it and the commit, the same window as the tickets
e-mail (`bookings.tickets.services.booking_tickets_email`).
"""

import hashlib
import time
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import User
from accounts.services import audit_event_record
from bookings.models import Booking, Receipt, Ticket
from bookings.receipts.pdf import render_receipt
from campaigns.calendar import campaign_ics, campaign_ics_filename
from campaigns.models import Campaign
from campaigns.services import campaign_move_announced
from core.errors import NotPermitted, RateLimited
from core.ratelimit import rate_limit_take
from core.tasks import enqueue, enqueue_on_commit
from notices.models import CampaignMessage, SentNotice

REMINDER_AHEAD = timedelta(hours=24)
Kind = SentNotice.Kind


def _send_once(
    *,
    kind: str,
    key: str,
    to: str,
    context: dict,
    booking: Booking | None = None,
    attachments=(),
) -> bool:
    """Send `templates/notices/email/{kind}_{subject.txt,body.txt,body.html}` to `to`
    unless a notice with `key` was sent; True if sent now."""
    context = {**context, "site_url": settings.SITE_URL}
    with transaction.atomic(durable=True):
        try:
            with transaction.atomic():
                SentNotice.objects.create(kind=kind, key=key, booking=booking, recipient=to)
        except IntegrityError:
            return False
        prefix = f"notices/email/{kind}"
        message = EmailMultiAlternatives(
            subject=render_to_string(f"{prefix}_subject.txt", context).strip(),
            body=render_to_string(f"{prefix}_body.txt", context),
            to=[to],
        )
        message.attach_alternative(render_to_string(f"{prefix}_body.html", context), "text/html")
        for attachment in attachments:
            message.attach(*attachment)
        message.send()
    return True


def _booking(booking_id: int) -> Booking:
    return Booking.objects.select_related("campaign__seller", "customer").get(pk=booking_id)


def campaign_cancelled_notify(*, booking_id: int) -> bool:
    """Tell the buyer of a paid booking that its campaign was cancelled, and where its
    refund stands (done, or under way: the refund notice follows)."""
    booking = _booking(booking_id)
    return _send_once(
        kind=Kind.CAMPAIGN_CANCELLED,
        key=f"{Kind.CAMPAIGN_CANCELLED}:{booking.pk}",
        to=booking.customer.email,
        context={"booking": booking, "refunded": booking.status == Booking.Status.REFUNDED},
        booking=booking,
    )


def refund_completed_notify(*, booking_id: int) -> bool:
    """Tell the buyer their booking was refunded, with the credit note attached."""
    booking = _booking(booking_id)
    if booking.status != Booking.Status.REFUNDED:
        return False
    note = booking.receipts.filter(kind=Receipt.Kind.CREDIT_NOTE).first()
    attachments = [(f"{note.display_number}.pdf", render_receipt(note), "application/pdf")]
    return _send_once(
        kind=Kind.REFUND_COMPLETED,
        key=f"{Kind.REFUND_COMPLETED}:{booking.pk}",
        to=booking.customer.email,
        context={"booking": booking, "credit_note": note},
        booking=booking,
        attachments=attachments,
    )


def refund_requested_notify(*, request_id: int, booking_id: int, reason: str) -> bool:
    """Tell the campaign's seller that a buyer's refund request waits for their decision."""
    booking = _booking(booking_id)
    return _send_once(
        kind=Kind.REFUND_REQUESTED,
        key=f"{Kind.REFUND_REQUESTED}:{request_id}",
        to=booking.campaign.seller.email,
        context={
            "booking": booking,
            "reason": reason,
            "decide_url": f"{settings.SITE_URL}/seller/refund-requests/",
        },
        booking=booking,
    )


def refund_declined_notify(*, request_id: int, booking_id: int, reason: str) -> bool:
    """Tell the buyer their refund request was declined, and the seller's reason."""
    booking = _booking(booking_id)
    return _send_once(
        kind=Kind.REFUND_DECLINED,
        key=f"{Kind.REFUND_DECLINED}:{request_id}",
        to=booking.customer.email,
        context={"booking": booking, "reason": reason},
        booking=booking,
    )


def reminder_notify(*, booking_id: int) -> bool:
    """Remind the buyer of a confirmed booking that the campaign starts within a day; once,
    and once more after each move of the campaign (its new time may fall in the day too)."""
    booking = _booking(booking_id)
    if booking.status != Booking.Status.CONFIRMED or booking.campaign.starts_at <= timezone.now():
        return False
    moved_at = booking.campaign.moved_at
    return _send_once(
        kind=Kind.REMINDER,
        key=f"{Kind.REMINDER}:{booking.pk}" + (f":{moved_at.timestamp():.6f}" if moved_at else ""),
        to=booking.customer.email,
        context={"booking": booking, "tickets_url": f"{settings.SITE_URL}/tickets/"},
        booking=booking,
    )


def reminders_due(*, now=None) -> list[int]:
    """Confirmed bookings of published campaigns starting within REMINDER_AHEAD and not
    reminded since the campaign last moved. Bookings confirmed inside that window are left
    out: their tickets e-mail, sent moments before, already says everything a reminder
    would."""
    now = now or timezone.now()
    reminded = SentNotice.objects.filter(kind=Kind.REMINDER, booking=OuterRef("pk")).filter(
        Q(booking__campaign__moved_at__isnull=True)
        | Q(sent_at__gt=F("booking__campaign__moved_at"))
    )
    return list(
        Booking.objects.filter(
            status=Booking.Status.CONFIRMED,
            campaign__status=Campaign.Status.PUBLISHED,
            campaign__starts_at__gt=now,
            campaign__starts_at__lte=now + REMINDER_AHEAD,
            confirmed_at__lt=now - REMINDER_AHEAD,
        )
        .exclude(Exists(reminded))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def reminders_send_due() -> int:
    """Beat job: queue one reminder per booking due; returns how many were queued."""
    return _queue_each(reminder_notify, "booking_id", reminders_due())


def _queue_each(job, argument: str, ids: list[int]) -> int:
    for value in ids:
        enqueue(job, **{argument: value})
    return len(ids)


# --- A campaign's new time or place ---------------------------------------------------------

# A move is announced once it has stood this long: a seller correcting a slip within it
# sends one notice, of the corrected time or place.
MOVE_SETTLE = timedelta(minutes=10)


def campaign_moves_due(*, now=None) -> list[int]:
    """Published campaigns moved at least MOVE_SETTLE ago whose holders were not told."""
    now = now or timezone.now()
    return list(
        Campaign.objects.filter(status=Campaign.Status.PUBLISHED, moved_at__lte=now - MOVE_SETTLE)
        .filter(Q(move_announced_at__isnull=True) | Q(move_announced_at__lt=F("moved_at")))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def campaign_moves_send_due() -> int:
    """Beat job: queue the announcement of each move due; returns how many were queued."""
    return _queue_each(campaign_moved_notify, "campaign_id", campaign_moves_due())


def _holders(campaign_id: int) -> list[str]:
    """Everyone holding a ticket of the campaign: the buyers of its confirmed bookings who
    kept one, and the owners of the tickets transferred to them."""
    valid = Ticket.objects.filter(booking__campaign_id=campaign_id, status=Ticket.Status.VALID)
    buyers = valid.filter(owner_email="", booking__status=Booking.Status.CONFIRMED).values_list(
        "booking__customer__email", flat=True
    )
    owners = valid.filter(booking__status=Booking.Status.CONFIRMED).exclude(owner_email="")
    return sorted({*buyers, *owners.values_list("owner_email", flat=True)})


def campaign_moved_notify(*, campaign_id: int) -> int:
    """Tell every ticket holder the campaign's new time and place, once per move, with its
    calendar file (same UID: it updates their calendar entry); returns how many were sent
    now. A failure stops here and the task's retry sends the rest."""
    campaign = Campaign.objects.get(pk=campaign_id)
    moved_at = campaign.moved_at
    if campaign.status != Campaign.Status.PUBLISHED or moved_at is None:
        return 0
    move = f"{Kind.CAMPAIGN_MOVED}:{campaign.pk}:{moved_at.timestamp():.6f}"
    calendar = (campaign_ics_filename(campaign), campaign_ics(campaign), "text/calendar")
    sent = 0
    for email in _holders(campaign_id):
        sent += _send_once(
            kind=Kind.CAMPAIGN_MOVED,
            key=f"{move}:{hashlib.sha256(email.encode()).hexdigest()[:16]}",
            to=email,
            context={"campaign": campaign, "tickets_url": f"{settings.SITE_URL}/tickets/"},
            attachments=[calendar],
        )
    campaign_move_announced(campaign_id=campaign.pk, moved_at=moved_at)
    return sent


# --- Messages from sellers -----------------------------------------------------------------


class MessageRateLimited(RateLimited):
    default_detail = "This campaign's buyers were messaged too often. Please try again later."


def _buyers(campaign_id: int):
    return (
        User.objects.filter(
            bookings__campaign_id=campaign_id, bookings__status=Booking.Status.CONFIRMED
        )
        .distinct()
        .order_by("pk")
    )


def campaign_message_send(
    *, campaign_id: int, sender: User, subject: str, body: str, ip: str | None = None
) -> CampaignMessage:
    """Record and audit the seller's message to the campaign's confirmed buyers; the
    e-mails go out in the background. At most CAMPAIGN_MESSAGE_RATE per campaign."""
    campaign = Campaign.objects.get(pk=campaign_id)
    if campaign.seller_id != sender.pk:
        raise NotPermitted("Only the campaign's seller can message its buyers.")
    seconds_left = rate_limit_take(
        scope="campaign_message",
        ident=f"c{campaign_id}",
        rate=settings.CAMPAIGN_MESSAGE_RATE,
        now=time.time(),
    )
    if seconds_left is not None:
        raise MessageRateLimited(retry_after=seconds_left)
    with transaction.atomic():
        message = CampaignMessage.objects.create(
            campaign=campaign,
            sender=sender,
            subject=subject,
            body=body,
            recipients=_buyers(campaign_id).count(),
        )
        audit_event_record(
            actor=sender,
            action="campaign.message_sent",
            target=campaign,
            ip=ip,
            metadata={"message": message.pk, "subject": subject, "recipients": message.recipients},
        )
        enqueue_on_commit(campaign_message_deliver, message_id=message.pk)
    return message


def campaign_message_deliver(*, message_id: int) -> int:
    """E-mail the message to each confirmed buyer once; returns how many were sent now.
    A failure stops here and the task's retry sends the rest."""
    message = CampaignMessage.objects.select_related("campaign", "sender").get(pk=message_id)
    sent = 0
    for buyer in _buyers(message.campaign_id):
        sent += _send_once(
            kind=Kind.MESSAGE,
            key=f"{Kind.MESSAGE}:{message.pk}:{buyer.pk}",
            to=buyer.email,
            context={"message": message, "campaign": message.campaign, "buyer": buyer},
        )
    return sent
