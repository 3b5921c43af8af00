"""Background work of the payments app: webhook processing, reconciliation, refunds of
cancelled campaigns, of approved refund requests and of overpayments' excess, refund notices.

Thin and idempotent: late acks may run any of them twice.
"""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string

from core.tasks import runs
from payments import services
from payments.models import RefundRequest


@runs(services.webhook_event_process)
@shared_task(bind=True, max_retries=8, default_retry_delay=60)
def process_webhook_event(self, event_id: int) -> str:
    """Verify and act on a stored webhook; retried while the gateway does not answer.

    Run in-process (no broker) it is not retried: reconciliation picks the event up later.
    """
    result = services.webhook_event_process(event_id=event_id)
    if result == services.VerifyOutcome.UNAVAILABLE and not self.request.is_eager:
        raise self.retry()
    return str(result)


@runs(services.campaign_cancellation_settle)
@shared_task(bind=True, max_retries=10, default_retry_delay=300)
def refund_cancelled_campaign(self, campaign_id: int) -> dict[str, int]:
    """After a campaign's cancellation commits: release its holds, refund its paid bookings;
    retried while refunds fail."""
    try:
        return services.campaign_cancellation_settle(campaign_id=campaign_id)
    except services.RefundsFailed as exc:
        raise self.retry(exc=exc) from exc


@shared_task
def reconcile_pending_payments() -> dict[str, int]:
    """Beat job (every 2 minutes): verify payments nobody has reported for a while."""
    return services.reconcile_pending_payments()


def _send_refund_notice(payment) -> None:
    context = {"payment": payment, "booking": payment.booking, "site_url": settings.SITE_URL}
    send_mail(
        subject=render_to_string("payments/email/refund_subject.txt", context).strip(),
        message=render_to_string("payments/email/refund_body.txt", context),
        from_email=None,
        recipient_list=[payment.booking.customer.email],
    )


@runs(services.payment_mark_refund_emailed)
@shared_task(bind=True, max_retries=5, default_retry_delay=60)
def send_refund_notice(self, payment_id: int) -> bool:
    """Tell the customer a payment we could not honour was refunded, once."""
    try:
        return services.payment_mark_refund_emailed(payment_id=payment_id, send=_send_refund_notice)
    except OSError as exc:  # SMTP unreachable: try again later
        raise self.retry(exc=exc) from exc


@runs(services.payment_excess_refund_send)
@shared_task
def refund_excess(refund_id: int) -> str:
    """After an overpaid payment's confirmation commits: send its excess back. Not retried
    here: reconciliation sends one without an answer again."""
    return services.payment_excess_refund_send(refund_id=refund_id)


@runs(services.refund_request_complete)
@shared_task(bind=True, max_retries=10, default_retry_delay=120)
def complete_refund_request(self, request_id: int) -> str:
    """After a refund request is approved: refund through the gateway; retried while the
    gateway does not answer or refuses for now."""
    try:
        return services.refund_request_complete(request_id=request_id)
    except (services.GatewayDown, services.GatewayRefused, services.RefundInProgress) as exc:
        if self.request.is_eager:  # in-process: reconciliation enqueues it again later
            return RefundRequest.Status.APPROVED
        raise self.retry(exc=exc) from exc
