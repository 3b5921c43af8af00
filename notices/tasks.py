"""Background work of the notices app: each notice's e-mail, and the beat jobs of reminders
and of moved campaigns.

Thin and idempotent: late acks may run any of them twice, and the sent-notice key makes the
second run send nothing. A mail server that cannot be reached is retried.
"""

from celery import shared_task

from core.tasks import runs
from notices import services

MAIL_RETRY = {"bind": True, "max_retries": 8, "default_retry_delay": 60}


def _retrying(task, send, **kwargs):
    try:
        return send(**kwargs)
    except OSError as exc:  # SMTP unreachable or refused: try again later
        raise task.retry(exc=exc) from exc


@runs(services.campaign_cancelled_notify)
@shared_task(**MAIL_RETRY)
def notify_campaign_cancelled(self, booking_id: int) -> bool:
    return _retrying(self, services.campaign_cancelled_notify, booking_id=booking_id)


@runs(services.refund_completed_notify)
@shared_task(**MAIL_RETRY)
def notify_refund_completed(self, booking_id: int) -> bool:
    return _retrying(self, services.refund_completed_notify, booking_id=booking_id)


@runs(services.refund_requested_notify)
@shared_task(**MAIL_RETRY)
def notify_refund_requested(self, request_id: int, booking_id: int, reason: str) -> bool:
    return _retrying(
        self,
        services.refund_requested_notify,
        request_id=request_id,
        booking_id=booking_id,
        reason=reason,
    )


@runs(services.refund_declined_notify)
@shared_task(**MAIL_RETRY)
def notify_refund_declined(self, request_id: int, booking_id: int, reason: str) -> bool:
    return _retrying(
        self,
        services.refund_declined_notify,
        request_id=request_id,
        booking_id=booking_id,
        reason=reason,
    )


@runs(services.reminder_notify)
@shared_task(**MAIL_RETRY)
def notify_reminder(self, booking_id: int) -> bool:
    return _retrying(self, services.reminder_notify, booking_id=booking_id)


@runs(services.campaign_message_deliver)
@shared_task(**MAIL_RETRY)
def deliver_campaign_message(self, message_id: int) -> int:
    return _retrying(self, services.campaign_message_deliver, message_id=message_id)


@runs(services.campaign_moved_notify)
@shared_task(**MAIL_RETRY)
def notify_campaign_moved(self, campaign_id: int) -> int:
    return _retrying(self, services.campaign_moved_notify, campaign_id=campaign_id)


@shared_task
def send_due_move_notices() -> int:
    """Beat job (every minute): queue the announcements of campaigns moved a while ago."""
    return services.campaign_moves_send_due()


@shared_task
def send_due_reminders() -> int:
    """Beat job (every 15 minutes): queue the reminders of campaigns starting within a day."""
    return services.reminders_send_due()
