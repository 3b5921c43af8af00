"""Audit of sign-in, sign-out (whichever way they happen: web, mobile token, admin) and of
throttle trips, which the bottom layer announces and cannot record itself."""

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from accounts.services import audit_event_record
from core.http import client_ip
from core.ratelimit import throttle_tripped


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


@receiver(throttle_tripped, dispatch_uid="accounts.audit_throttle_trip")
def audit_throttle_trip(sender, request, scope, rate, **kwargs):
    """Sent once per budget and window, so a flood leaves one event a window. A budget a
    service counts itself (a campaign's messages) comes without a request."""
    user = getattr(request, "user", None)
    where = {"method": request.method, "path": request.path[:200]} if request else {}
    audit_event_record(
        actor=user if user is not None and user.is_authenticated else None,
        action="throttle.tripped",
        ip=client_ip(request) if request else None,
        metadata={"scope": scope, "rate": rate, **where},
    )
