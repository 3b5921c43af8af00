"""Background work of the bookings app: hold expiry, settlement of cancelled campaigns, tickets."""

from celery import shared_task

from bookings import services
from bookings.tickets import services as tickets
from core.tasks import runs


@shared_task
def expire_holds() -> int:
    """Beat job (every 30 s): expire overdue holds. Safe in parallel and when repeated."""
    return services.expire_all_overdue_holds()


@shared_task(bind=True, max_retries=10, default_retry_delay=300)
def refund_cancelled_campaign(self, campaign_id: int) -> dict[str, int]:
    """Sent by the campaigns app when a campaign is cancelled; retried while refunds fail."""
    try:
        return services.campaign_bookings_settle_cancellation(campaign_id=campaign_id)
    except services.RefundHandlerFailed as exc:
        raise self.retry(exc=exc) from exc


@runs(tickets.booking_tickets_email)
@shared_task(bind=True, max_retries=5, default_retry_delay=60)
def deliver_booking_tickets(self, booking_id: int) -> bool:
    """After confirmation: render the booking's PDF and e-mail it, once even if run twice."""
    try:
        return tickets.booking_tickets_email(booking_id=booking_id)
    except OSError as exc:  # SMTP or storage unreachable: try again later
        raise self.retry(exc=exc) from exc
