"""Background work of the finance app: sending payout transfers and settling those whose
webhook never came. Thin and idempotent."""

from celery import shared_task

from core.tasks import runs
from finance import services

RETRY_OUTCOMES = ("gateway_unavailable", "in_flight")


@runs(services.payout_send)
@shared_task(bind=True, max_retries=10, default_retry_delay=60)
def payout_send(self, payout_id: int) -> str:
    """Send one payout's transfer; retried while the gateway does not answer.

    Run in-process (no broker) it is not retried: payouts_send_due picks it up later.
    """
    result = services.payout_send(payout_id=payout_id)
    if result in RETRY_OUTCOMES and not self.request.is_eager:
        raise self.retry()
    return result


@shared_task
def payouts_send_due() -> int:
    """Beat job: enqueue payouts whose transfer was never sent (lost enqueue, spent retries)."""
    return services.payouts_send_due()


@shared_task
def payouts_settle_processing() -> dict[str, int]:
    """Beat job: settle payouts still processing from the gateway's record (a lost webhook)."""
    return services.payouts_settle_processing()
