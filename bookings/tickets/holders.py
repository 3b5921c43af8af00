"""Services of ticket holders: correcting a name, transferring a ticket, the transfer e-mail.

Who may act on a ticket is its owner: the address it was transferred to (`owner_email`),
else the buyer. Both changes close at the campaign's cut-off (`name_change_cutoff`, else its
start). Lock order: the booking row, then the ticket row, as every bookings service locks
bookings first. The door's scan (validation.services) locks the same ticket row before it
decides, so a scan and a transfer of one ticket are applied one after the other: the
transfer of a ticket scanned meanwhile is refused, the scan of a transferred ticket is void.
"""

from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import User
from accounts.services import audit_event_record, normalize_email
from bookings.models import HOLDER_NAME_LENGTH, Booking, Ticket
from bookings.tickets import services as issued
from core.errors import Conflict, Invalid, NotFound
from core.locking import lock_one
from core.tasks import enqueue_on_commit


class TicketNotFound(NotFound):
    default_detail = "No such ticket of yours."


class NameChangeClosed(Conflict):
    code = "name_change_closed"
    default_detail = "The names on this ticket can no longer be changed."


class TransferNotAllowed(Conflict):
    code = "transfer_not_allowed"
    default_detail = "This ticket cannot be transferred."


class InvalidHolder(Invalid):
    default_detail = "The holder is not valid."


def clean_holder_name(name: str, *, field: str = "name") -> str:
    """A holder's name as stored: trimmed, 1 to HOLDER_NAME_LENGTH characters."""
    name = name.strip()
    if not name or len(name) > HOLDER_NAME_LENGTH:
        message = f"Give a name of 1 to {HOLDER_NAME_LENGTH} characters."
        raise InvalidHolder(message, fields={field: [message]})
    return name


def _owns(ticket: Ticket, user: User) -> bool:
    if ticket.owner_email:
        return ticket.owner_email == user.email
    return ticket.booking.customer_id == user.pk


def _lock_owned(*, ticket_id: int, user: User) -> Ticket:
    """Lock the ticket's booking, then the ticket; call in a transaction. Tickets the user
    does not own are not found, as the read endpoints answer."""
    booking_id = Ticket.objects.filter(pk=ticket_id).values_list("booking_id", flat=True).first()
    if booking_id is None:
        raise TicketNotFound()
    lock_one(Booking.objects, pk=booking_id)
    ticket = lock_one(
        Ticket.objects.select_related("booking__campaign", "booking__customer", "ticket_type"),
        pk=ticket_id,
    )
    if not _owns(ticket, user):
        raise TicketNotFound()
    return ticket


def _refusal(ticket: Ticket, error: type[Conflict]) -> Conflict | None:
    """Why the ticket's holder can no longer change, or None while it can."""
    campaign = ticket.booking.campaign
    if ticket.status != Ticket.Status.VALID or ticket.booking.status != Booking.Status.CONFIRMED:
        return error("This ticket is no longer valid.")
    cutoff = campaign.name_change_cutoff or campaign.starts_at
    if timezone.now() >= cutoff:
        return error("Changes to this ticket closed when the campaign's cut-off passed.")
    return None


def _printed_ticket_changed(booking_id: int) -> None:
    """The booking's stored PDF shows the ticket as it was: drop it now (a download renders
    it afresh) and render it again in the background."""
    issued.booking_pdf_drop(booking_id)
    enqueue_on_commit(issued.booking_pdf_ensure, booking_id=booking_id)


def ticket_holder_change(
    *,
    ticket_id: int,
    user: User,
    holder_name: str | None = None,
    holder_email: str | None = None,
    ip: str | None = None,
) -> Ticket:
    """Correct the name (and e-mail, "" to clear it) on a valid ticket until the cut-off.

    The QR code stays the same: it seals the ticket's id, not its name. Audited with the
    values before and after.
    """
    changes = {}
    if holder_name is not None:
        changes["holder_name"] = clean_holder_name(holder_name, field="holder_name")
    if holder_email is not None:
        changes["holder_email"] = normalize_email(holder_email.strip()) if holder_email else ""
    if not changes:
        raise InvalidHolder(
            "Send holder_name or holder_email.", fields={"holder_name": ["Nothing to change."]}
        )
    with transaction.atomic():
        ticket = _lock_owned(ticket_id=ticket_id, user=user)
        refusal = _refusal(ticket, NameChangeClosed)
        if refusal:
            raise refusal
        before = {name: getattr(ticket, name) for name in changes}
        if before == changes:
            return ticket
        for name, value in changes.items():
            setattr(ticket, name, value)
        ticket.save(update_fields=list(changes))
        audit_event_record(
            actor=user,
            action="ticket.holder_changed",
            target=ticket,
            ip=ip,
            metadata={"before": before, "after": changes},
        )
        _printed_ticket_changed(ticket.booking_id)
    return ticket


def ticket_transfer(
    *, ticket_id: int, user: User, email: str, name: str, ip: str | None = None
) -> Ticket:
    """Give a valid, unused ticket to someone else by e-mail; returns the new ticket.

    One transaction: the old ticket becomes void (its QR code scans as `void` at once), a new
    ticket with a new QR code is issued in the same booking, owned by `email` (who sees it
    under "My tickets" on signing in with that address, and is e-mailed it), and the change
    is audited. Refused with 409 `transfer_not_allowed` when the seller turned transfers off,
    after the cut-off, or for a used or void ticket.
    """
    name = clean_holder_name(name)
    email = normalize_email(email.strip())
    if email == user.email:
        raise InvalidHolder(
            "You hold this ticket already: give another person's e-mail.",
            fields={"email": ["This is your own address."]},
        )
    with transaction.atomic():
        ticket = _lock_owned(ticket_id=ticket_id, user=user)
        if not ticket.booking.campaign.transfers_allowed:
            raise TransferNotAllowed("The organiser does not allow transfers for this event.")
        refusal = _refusal(ticket, TransferNotAllowed)
        if refusal:
            raise refusal
        if ticket.scans_used:
            raise TransferNotAllowed("This ticket was already used at the door.")
        ticket.status = Ticket.Status.VOID
        ticket.save(update_fields=["status"])
        successor = Ticket.objects.create(
            booking=ticket.booking,
            ticket_type=ticket.ticket_type,
            holder_name=name,
            holder_email=email,
            owner_email=email,
            admits=ticket.admits,
            scans_allowed=ticket.scans_allowed,
            transferred_from=ticket,
        )
        issued.tickets_assign_tokens([successor], campaign_id=ticket.booking.campaign_id)
        audit_event_record(
            actor=user,
            action="ticket.transferred",
            target=ticket,
            ip=ip,
            metadata={"to_ticket": successor.pk, "to_email": email},
        )
        _printed_ticket_changed(ticket.booking_id)
        enqueue_on_commit(ticket_transfer_email, ticket_id=successor.pk)
    return successor


def _transfer_email(ticket: Ticket, attachment: bytes, *, reissued: bool) -> EmailMultiAlternatives:
    buyer = ticket.booking.customer
    context = {
        "reissued": reissued,
        "ticket": ticket,
        "campaign": ticket.booking.campaign,
        # Who passed it on: the previous owner's address, or the buyer.
        "sender": ticket.transferred_from.owner_email or buyer.name or buyer.email,
        "tickets_url": f"{settings.SITE_URL}/tickets/",
    }
    message = EmailMultiAlternatives(
        subject=render_to_string("bookings/email/transfer_subject.txt", context).strip(),
        body=render_to_string("bookings/email/transfer_body.txt", context),
        to=[ticket.owner_email],
    )
    message.attach_alternative(
        render_to_string("bookings/email/transfer_body.html", context), "text/html"
    )
    message.attach(f"ticket-{ticket.pk}.pdf", attachment, "application/pdf")
    issued.attach_calendar(message, ticket.booking.campaign)
    return message


def ticket_transfer_email(*, ticket_id: int, reissued_since: datetime | None = None) -> bool:
    """E-mail a transferred ticket to its new owner, with its PDF; True if sent.

    Once only, as the booking's tickets e-mail: the ticket's row lock and `emailed_at` make a
    repeated task send nothing, and a failed send rolls back so the retry sends it; with
    `reissued_since`, once more if it was e-mailed before then. A ticket void by then
    (refunded, passed on again) is not sent.
    """
    with transaction.atomic(durable=True):
        ticket = lock_one(
            Ticket.objects.select_related(
                "booking__campaign", "booking__customer", "ticket_type", "transferred_from"
            ),
            pk=ticket_id,
        )
        if ticket.status != Ticket.Status.VALID:
            return False
        if not issued.tickets_due(ticket.emailed_at, force=False, reissued_since=reissued_since):
            return False
        if ticket.booking.status != Booking.Status.CONFIRMED:
            return False
        pdf = issued.ticket_pdf(ticket_id=ticket.pk)
        _transfer_email(ticket, pdf, reissued=reissued_since is not None).send()
        ticket.emailed_at = timezone.now()
        ticket.save(update_fields=["emailed_at"])
    return True
