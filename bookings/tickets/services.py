"""Services of issued tickets: QR tokens and their re-issue, PDF files, the tickets e-mail."""

import logging
import secrets
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import User
from bookings.models import Booking, Receipt, Ticket
from bookings.receipts.pdf import render_receipt
from bookings.tickets import pdf
from bookings.tickets.qr import encode_token
from campaigns.calendar import campaign_ics, campaign_ics_filename
from campaigns.models import Campaign, CampaignKey
from campaigns.services import campaign_key_rotate
from core.errors import Conflict
from core.locking import lock, lock_one
from core.tasks import on_commit

logger = logging.getLogger(__name__)

REISSUE_BATCH = 500


class TicketsUnavailable(Conflict):
    code = "tickets_unavailable"
    default_detail = "Tickets exist only for a confirmed booking."


def _current_key(campaign_id: int) -> CampaignKey:
    """The campaign's newest key; a campaign created without one gets version 1."""
    key = CampaignKey.objects.filter(campaign_id=campaign_id).order_by("-version").first()
    return key or campaign_key_rotate(campaign_id=campaign_id)


def _seal(tickets: Iterable[Ticket], *, key: CampaignKey) -> list[Ticket]:
    sealed = []
    for ticket in tickets:
        ticket.qr_token = encode_token(
            campaign_id=key.campaign_id,
            public_id=key.campaign.public_id,
            key_version=key.version,
            key=key.key_bytes,
            ticket_id=ticket.pk,
            scans_allowed=ticket.scans_allowed,
        )
        ticket.qr_key_version = key.version
        sealed.append(ticket)
    Ticket.objects.bulk_update(sealed, ["qr_token", "qr_key_version"])
    return sealed


def tickets_assign_tokens(tickets: list[Ticket], *, campaign_id: int) -> list[Ticket]:
    """Give freshly created tickets their QR tokens; call in the transaction creating them."""
    key = _current_key(campaign_id)
    return _seal(tickets, key=key)


def campaign_tickets_reissue(*, campaign_id: int) -> int:
    """Replace every valid ticket's token with one under the campaign's newest key.

    Batches of row-locked tickets, each its own transaction: a replaced token stops matching
    at once, one not yet replaced keeps working. Then the stored PDFs, which print the old
    codes, are dropped so the next download or send renders them again.
    """
    key = _current_key(campaign_id)
    reissued = 0
    last_id = 0
    while True:
        with transaction.atomic(durable=True):
            batch = lock(
                Ticket.objects.filter(
                    booking__campaign_id=campaign_id, status=Ticket.Status.VALID, pk__gt=last_id
                ),
                limit=REISSUE_BATCH,
            )
            if not batch:
                break
            _seal(batch, key=key)
        reissued += len(batch)
        last_id = batch[-1].pk
    booking_ids = list(
        Booking.objects.filter(campaign_id=campaign_id)
        .exclude(tickets_pdf="")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for booking_id in booking_ids:
        booking_pdf_drop(booking_id)
    return reissued


# --- Reads ---------------------------------------------------------------------------------


def bookings_of_customer(*, customer: User):
    return Booking.objects.filter(customer=customer)


def tickets_of_customer(*, customer: User):
    """The tickets `customer` holds: those of their bookings they kept, and those transferred
    to their address (`Ticket.owner_email`), whoever bought them."""
    return Ticket.objects.filter(
        Q(booking__customer=customer, owner_email="") | Q(owner_email=customer.email)
    )


def campaign_by_id_or_slug(value: str) -> Campaign | None:
    """For commands: a campaign named by its id or its slug."""
    lookup = {"pk": int(value)} if value.isdigit() else {"slug": value}
    return Campaign.objects.filter(**lookup).first()


def booking_by_id_or_reference(value: str) -> Booking | None:
    """For commands: a booking named by its id or its reference (any case)."""
    lookup = {"pk": int(value)} if value.isdigit() else {"reference": value.upper()}
    return Booking.objects.filter(**lookup).first()


def tickets_upcoming_for_customer(*, customer: User) -> list[Ticket]:
    """The customer's tickets of campaigns not yet over, refunded ones included (shown void),
    soonest first."""
    return list(
        tickets_for_pdf(
            tickets_of_customer(customer=customer).filter(
                booking__status__in=(Booking.Status.CONFIRMED, Booking.Status.REFUNDED),
                booking__campaign__ends_at__gt=timezone.now(),
            )
        ).order_by("booking__campaign__starts_at", "pk")
    )


# --- PDF files ---------------------------------------------------------------------------


def tickets_for_pdf(tickets):
    """A ticket queryset with what a printed ticket shows (and who it went to, if it was
    transferred), in booking order."""
    return tickets.select_related(
        "booking__campaign", "booking__customer", "ticket_type", "transferred_to"
    ).order_by("pk")


def booking_pdf_drop(booking_id: int) -> None:
    with transaction.atomic():
        booking = lock_one(Booking.objects, pk=booking_id)
        if booking.tickets_pdf.name:
            on_commit(default_storage.delete, booking.tickets_pdf.name)
            booking.tickets_pdf = ""
            booking.save(update_fields=["tickets_pdf", "updated_at"])


def booking_pdf_ensure(*, booking_id: int, force: bool = False) -> str:
    """The storage name of the booking's PDF, rendered first if missing (or if `force`).

    Renders holding the booking's row lock: a second caller waits, then finds the file, so
    a PDF is never rendered twice at once. Raises TicketsUnavailable unless confirmed.
    """
    with transaction.atomic():
        booking = lock_one(Booking.objects, pk=booking_id)
        if booking.status != Booking.Status.CONFIRMED:
            raise TicketsUnavailable()
        previous = booking.tickets_pdf.name
        if previous and not force and default_storage.exists(previous):
            return previous
        # The buyer's tickets: those transferred away are the recipients' to print.
        kept = booking.tickets.filter(owner_email="")
        content = pdf.render_tickets(list(tickets_for_pdf(kept)))
        booking.tickets_pdf.save(
            f"{booking.reference}-{secrets.token_hex(8)}.pdf", ContentFile(content), save=False
        )
        booking.save(update_fields=["tickets_pdf", "updated_at"])
        if previous:
            on_commit(default_storage.delete, previous)
    logger.info("Rendered tickets PDF of booking %s", booking_id)
    return booking.tickets_pdf.name


def ticket_pdf(*, ticket_id: int) -> bytes:
    """One ticket's page, rendered on request (no file kept: a page takes ~50 ms)."""
    ticket = tickets_for_pdf(Ticket.objects.filter(pk=ticket_id)).get()
    if ticket.booking.status != Booking.Status.CONFIRMED:
        raise TicketsUnavailable()
    return pdf.render_tickets([ticket])


# --- Delivery --------------------------------------------------------------------------------


def _tickets_email(
    booking: Booking, attachment: bytes, *, reissued: bool
) -> EmailMultiAlternatives:
    receipt = booking.receipts.filter(kind=Receipt.Kind.RECEIPT).first()
    context = {
        "reissued": reissued,
        "receipt": receipt,
        "booking": booking,
        "campaign": booking.campaign,
        "customer": booking.customer,
        "ticket_count": booking.tickets.count(),
        "tickets_url": f"{settings.SITE_URL}/tickets/",
    }
    message = EmailMultiAlternatives(
        subject=render_to_string("bookings/email/tickets_subject.txt", context).strip(),
        body=render_to_string("bookings/email/tickets_body.txt", context),
        to=[booking.customer.email],
    )
    message.attach_alternative(
        render_to_string("bookings/email/tickets_body.html", context), "text/html"
    )
    message.attach(f"tickets-{booking.reference}.pdf", attachment, "application/pdf")
    if receipt is not None:
        message.attach(f"{receipt.display_number}.pdf", render_receipt(receipt), "application/pdf")
    attach_calendar(message, booking.campaign)
    return message


def attach_calendar(message: EmailMultiAlternatives, campaign: Campaign) -> None:
    """The campaign as a calendar file, so the e-mail's "add to calendar" is one tap."""
    message.attach(campaign_ics_filename(campaign), campaign_ics(campaign), "text/calendar")


def booking_tickets_email(
    *, booking_id: int, force: bool = False, reissued_since: datetime | None = None
) -> bool:
    """E-mail the customer their tickets PDF; True if sent.

    Once only: the booking's row lock and `tickets_emailed_at` make a repeated delivery of
    the task send nothing. `force` (ops re-sends) sends again anyway. `reissued_since` (a
    key rotation's time) sends again, once, a booking e-mailed before then, saying that the
    earlier codes no longer scan. A booking no longer confirmed (refunded meanwhile) gets
    no mail.
    """
    with transaction.atomic(durable=True):
        booking = lock_one(Booking.objects.select_related("campaign", "customer"), pk=booking_id)
        if booking.status != Booking.Status.CONFIRMED:
            return False
        if not tickets_due(booking.tickets_emailed_at, force=force, reissued_since=reissued_since):
            return False
        name = booking_pdf_ensure(booking_id=booking_id)
        with default_storage.open(name, "rb") as stored:
            attachment = stored.read()
        _tickets_email(booking, attachment, reissued=reissued_since is not None).send()
        booking.tickets_emailed_at = timezone.now()
        booking.save(update_fields=["tickets_emailed_at", "updated_at"])
    return True


def tickets_due(
    emailed_at: datetime | None, *, force: bool, reissued_since: datetime | None
) -> bool:
    """Whether tickets e-mailed at `emailed_at` (None: never) are to be sent now."""
    if reissued_since is not None:
        return emailed_at is not None and emailed_at < reissued_since
    return force or emailed_at is None
