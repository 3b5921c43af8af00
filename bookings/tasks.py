"""Background work of the bookings app: hold expiry and the tickets e-mail."""

from celery import shared_task

from bookings import services
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
