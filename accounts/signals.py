"""Audit of sign-in and sign-out, whichever way they happen (web, mobile token, admin)."""

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from accounts.services import audit_event_record
from core.http import client_ip


@receiver(user_logged_in, dispatch_uid="accounts.audit_login")
def audit_login(sender, request, user, **kwargs):
    audit_event_record(
        actor=user,
        action="user.logged_in",
        target=user,
        ip=client_ip(request) if request is not None else None,
        metadata={"backend": getattr(user, "backend", "") or ""},
    )


@receiver(user_logged_out, dispatch_uid="accounts.audit_logout")
def audit_logout(sender, request, user, **kwargs):
    if user is None:
        return
    audit_event_record(
        actor=user,
        action="user.logged_out",
        target=user,
        ip=client_ip(request) if request is not None else None,
    )
