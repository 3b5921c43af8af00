"""Background work of the bookings app: hold expiry, waiting-list offers and their e-mails,
the tickets e-mail, the stored PDF of a booking whose tickets changed, the e-mail of a
transferred ticket, the new tickets after a QR key rotation."""

from celery import shared_task

from bookings import services
from bookings.tickets import holders, reissue
from bookings.tickets import services as tickets
from bookings.waitlist import services as waiting_lists
from core.tasks import runs


@shared_task
def expire_holds() -> int:
    """Beat job (every 30 s): expire overdue holds. Safe in parallel and when repeated."""
    return services.expire_all_overdue_holds()


@shared_task
def serve_waiting_lists() -> int:
    """Beat job (every 30 s): lapse overdue offers, pass their seats on, and offer seats a
    capacity increase freed. Safe in parallel and when repeated."""
    return waiting_lists.waiting_lists_sweep()


@runs(waiting_lists.offer_email)
@shared_task(bind=True, max_retries=5, default_retry_delay=60)
def deliver_offer_email(self, offer_id: int) -> bool:
    """After an offer is made: e-mail its link, once even if the task is delivered twice."""
    try:
        return waiting_lists.offer_email(offer_id=offer_id)
    except OSError as exc:  # SMTP unreachable: try again later
        raise self.retry(exc=exc) from exc


@runs(tickets.booking_tickets_email)
@shared_task(bind=True, max_retries=5, default_retry_delay=60)
def deliver_booking_tickets(self, booking_id: int) -> bool:
    """After confirmation: render the booking's PDF and e-mail it, once even if run twice."""
    try:
        return tickets.booking_tickets_email(booking_id=booking_id)
    except OSError as exc:  # SMTP or storage unreachable: try again later
        raise self.retry(exc=exc) from exc


@runs(tickets.booking_pdf_ensure)
@shared_task(bind=True, max_retries=5, default_retry_delay=60)
def render_booking_pdf(self, booking_id: int) -> str:
    """After a holder's name or a transfer changed a ticket: render the booking's PDF again
    (nothing if a download did it first, or once the booking is no longer confirmed)."""
    try:
        return tickets.booking_pdf_ensure(booking_id=booking_id)
    except tickets.TicketsUnavailable:
        return ""
    except OSError as exc:  # storage unreachable: try again later
        raise self.retry(exc=exc) from exc


@runs(holders.ticket_transfer_email)
@shared_task(bind=True, max_retries=8, default_retry_delay=60)
def deliver_transferred_ticket(self, ticket_id: int) -> bool:
    """After a transfer: e-mail the new ticket to its owner, once even if run twice."""
    try:
        return holders.ticket_transfer_email(ticket_id=ticket_id)
    except OSError as exc:  # SMTP unreachable or refusing: try again later
        raise self.retry(exc=exc) from exc


@runs(reissue.campaign_tickets_resend_reissued)
@shared_task(bind=True, max_retries=8, default_retry_delay=120)
def resend_reissued_tickets(self, campaign_id: int) -> int:
    """After a QR key rotation: e-mail the new tickets to those who had the old ones; a retry
    goes on where the failure stopped it."""
    try:
        return reissue.campaign_tickets_resend_reissued(campaign_id=campaign_id)
    except OSError as exc:  # SMTP unreachable or refusing: try again later
        raise self.retry(exc=exc) from exc
