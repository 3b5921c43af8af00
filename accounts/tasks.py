"""Background work of the accounts app."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string

from accounts import services
from core.tasks import runs


def _send_decision(application) -> None:
    context = {"application": application, "site_url": settings.SITE_URL}
    send_mail(
        subject=render_to_string("accounts/email/decision_subject.txt", context).strip(),
        message=render_to_string("accounts/email/decision_body.txt", context),
        from_email=None,
        recipient_list=[application.user.email],
    )


@runs(services.seller_application_mark_emailed)
@shared_task(bind=True, max_retries=5, default_retry_delay=60)
def send_seller_application_decision(self, application_id: int) -> bool:
    """E-mail the applicant the review outcome, once even if the task is delivered twice."""
    try:
        return services.seller_application_mark_emailed(
            application_id=application_id, send=_send_decision
        )
    except OSError as exc:  # SMTP unreachable: try again later
        raise self.retry(exc=exc) from exc


def _send_invitation(invitation) -> None:
    inviter = invitation.invited_by
    context = {
        "invitation": invitation,
        "target": invitation.target,
        "inviter": (inviter.name or inviter.email) if inviter else "A seller",
        "accept_url": f"{settings.SITE_URL}/invitations/",
    }
    send_mail(
        subject=render_to_string("accounts/email/invitation_subject.txt", context).strip(),
        message=render_to_string("accounts/email/invitation_body.txt", context),
        from_email=None,
        recipient_list=[invitation.email],
    )


@runs(services.manager_invitation_mark_emailed)
@shared_task(bind=True, max_retries=5, default_retry_delay=60)
def send_manager_invitation(self, invitation_id: int) -> bool:
    """E-mail an invitation to manage a campaign, once even if the task is delivered twice."""
    try:
        return services.manager_invitation_mark_emailed(
            invitation_id=invitation_id, send=_send_invitation
        )
    except OSError as exc:  # SMTP unreachable: try again later
        raise self.retry(exc=exc) from exc
