"""Background work of the bookings app: hold expiry, the tickets e-mail, the stored PDF of a
booking whose tickets changed, the e-mail of a transferred ticket."""

from celery import shared_task

from bookings import services
from bookings.tickets import holders
from bookings.tickets import services as tickets
from core.tasks import runs


@shared_task
def expire_holds() -> int:
    """Beat job (every 30 s): expire overdue holds. Safe in parallel and when repeated."""
    return services.expire_all_overdue_holds()


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
