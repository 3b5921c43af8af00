"""Background work of the bookings app: hold expiry and the settlement of cancelled campaigns."""

from celery import shared_task

from bookings import services


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
