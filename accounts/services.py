"""Every write of the accounts app: users and roles, seller applications, audit events."""

import hashlib

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone

from accounts.models import AuditEvent, Role, SellerApplication, User
from accounts.sessions import session_store
from config.errors import Conflict, InvalidTransition

TOKEN_BACKEND = "allauth.account.auth_backends.AuthenticationBackend"
# Floods (permission denials, forged webhooks) leave at most one event per key this often.
AUDIT_SAMPLE_SECONDS = 60
ADMIN_LOG_ACTIONS = {ADDITION: "admin.added", CHANGE: "admin.changed", DELETION: "admin.deleted"}


class ApplicationExists(Conflict):
    code = "application_exists"
    default_detail = "You already have an open seller application."


class AlreadySeller(Conflict):
    code = "already_seller"
    default_detail = "You can already sell."


def audit_event_record(
    *,
    actor: User | None,
    action: str,
    target: Model | None = None,
    ip: str | None = None,
    metadata: dict | None = None,
) -> AuditEvent:
    """Append one audit event; call inside the transaction of the change it records."""
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        ip=ip,
        metadata=metadata or {},
    )


def audit_event_record_sampled(
    *,
    actor: User | None,
    action: str,
    ip: str | None,
    route: str = "",
    metadata: dict | None = None,
) -> AuditEvent | None:
    """Record an event that a client can repeat at will, at most once a minute per key.

    The key is the action, the actor (else the client address) and the route (the URL
    pattern, so `/withdrawals/1/` and `/withdrawals/2/` are one key): a flood of refusals
    leaves one row per minute, not one per request. The cache's atomic add (Redis SET NX)
    decides, so every app process agrees. Returns None when the event was left out.
    """
    who = f"u{actor.pk}" if actor is not None and actor.pk else ip or "-"
    key = hashlib.sha256(f"{action}|{who}|{route}".encode()).hexdigest()
    if not cache.add(f"audit-sample:{key}", 1, timeout=AUDIT_SAMPLE_SECONDS):
        return None
    return audit_event_record(actor=actor, action=action, ip=ip, metadata=metadata)


def audit_admin_log_entries(*, entries: list[LogEntry], ip: str | None) -> list[AuditEvent]:
    """Mirror what the Django admin wrote to its LogEntry: who added, changed or deleted
    which object, with Django's change message. Call in the admin's transaction."""
    return AuditEvent.objects.bulk_create(
        AuditEvent(
            actor_id=entry.user_id,
            action=ADMIN_LOG_ACTIONS[entry.action_flag],
            target_type=_content_type_label(entry.content_type_id),
            target_id=str(entry.object_id or "")[:64],
            ip=ip,
            metadata={
                "object": entry.object_repr,
                "change_message": entry.get_change_message(),
                "log_entry": entry.pk,
            },
        )
        for entry in entries
    )


def _content_type_label(content_type_id: int | None) -> str:
    if content_type_id is None:
        return ""
    content_type = ContentType.objects.get_for_id(content_type_id)  # cached per process
    return f"{content_type.app_label}.{content_type.model}"


def user_set_role(
    *, user: User, role: str, actor: User | None = None, ip: str | None = None
) -> User:
    """Give `user` a role; super admins also get the Django admin. Audited when it changes."""
    role = Role(role)
    if user.role == role:
        return user
    previous = user.role
    with transaction.atomic():
        user.role = role
        user.is_staff = user.is_superuser = role == Role.SUPER_ADMIN
        user.save(update_fields=["role", "is_staff", "is_superuser"])
        audit_event_record(
            actor=actor,
            action="user.role_changed",
            target=user,
            ip=ip,
            metadata={"from": previous, "to": role.value},
        )
    return user


def user_get_or_create(*, email: str, name: str = "") -> tuple[User, bool]:
    """The user with this e-mail, created (without a password) if new."""
    email = User.objects.normalize_email(email).lower()
    try:
        return User.objects.get(email=email), False
    except User.DoesNotExist:
        pass
    try:
        with transaction.atomic():
            return User.objects.create_user(email=email, name=name), True
    except IntegrityError:
        return User.objects.get(email=email), False


def user_update_profile(*, user: User, **fields) -> User:
    for name, value in fields.items():
        setattr(user, name, value)
    user.save(update_fields=list(fields))
    return user


def token_fingerprint(session_key: str) -> str:
    """What the audit trail keeps of a token: enough to pair its creation with its end,
    useless for signing in."""
    return hashlib.sha256(session_key.encode()).hexdigest()[:16]


def session_token_create(*, user: User, days: int = 365) -> str:
    """A session token for `X-Session-Token`, as allauth headless issues to mobile apps.

    For service accounts and scanners provisioned by ops (`create_api_token`): audited as
    `token.created`.
    """
    session = session_store()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = TOKEN_BACKEND
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.set_expiry(days * 24 * 3600)
    with transaction.atomic():
        session.create()
        audit_event_record(
            actor=None,
            action="token.created",
            target=user,
            metadata={
                "token": token_fingerprint(session.session_key),
                "expires_at": session.get_expiry_date().isoformat(),
            },
        )
    return session.session_key


def session_token_revoke(*, session_key: str, user: User, ip: str | None = None) -> None:
    """End an `X-Session-Token` session and audit it as `token.revoked`. Deleting is
    idempotent, so a caller whose logout already flushed the session may call it too."""
    with transaction.atomic():
        session_store(session_key).delete()
        audit_event_record(
            actor=user,
            action="token.revoked",
            target=user,
            ip=ip,
            metadata={"token": token_fingerprint(session_key)},
        )


def seller_application_submit(*, user: User, ip: str | None = None, **fields) -> SellerApplication:
    """Open a seller application; one pending application per user, none for sellers."""
    with transaction.atomic():
        # Lock the applicant so two simultaneous submissions queue instead of racing.
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.role in (Role.SELLER, Role.SUPER_ADMIN):
            raise AlreadySeller()
        if user.seller_applications.filter(status=SellerApplication.Status.PENDING).exists():
            raise ApplicationExists()
        application = SellerApplication.objects.create(user=user, **fields)
        audit_event_record(
            actor=user, action="seller_application.submitted", target=application, ip=ip
        )
    return application


def _review(*, application_id: int, reviewer: User, ip: str | None, approve: bool, reason: str):
    from accounts.tasks import send_seller_application_decision

    with transaction.atomic():
        application = (
            SellerApplication.objects.select_for_update()
            .select_related("user")
            .get(pk=application_id)
        )
        if application.status != SellerApplication.Status.PENDING:
            raise InvalidTransition(f"This application is already {application.status}.")
        application.status = (
            SellerApplication.Status.APPROVED if approve else SellerApplication.Status.REJECTED
        )
        application.reviewed_at = timezone.now()
        application.reviewed_by = reviewer
        application.rejection_reason = reason
        application.save(update_fields=["status", "reviewed_at", "reviewed_by", "rejection_reason"])
        audit_event_record(
            actor=reviewer,
            action=f"seller_application.{application.status}",
            target=application,
            ip=ip,
            metadata={"reason": reason} if reason else {},
        )
        if approve and application.user.role == Role.CUSTOMER:
            user_set_role(user=application.user, role=Role.SELLER, actor=reviewer, ip=ip)
        send_seller_application_decision.delay_on_commit(application.pk)
    return application


def seller_application_approve(*, application_id: int, reviewer: User, ip: str | None = None):
    return _review(application_id=application_id, reviewer=reviewer, ip=ip, approve=True, reason="")


def seller_application_reject(
    *, application_id: int, reviewer: User, reason: str, ip: str | None = None
):
    return _review(
        application_id=application_id, reviewer=reviewer, ip=ip, approve=False, reason=reason
    )


def seller_application_mark_emailed(*, application_id: int, send) -> bool:
    """Send the decision e-mail once: `send(application)` runs only if not sent before."""
    with transaction.atomic():
        application = (
            SellerApplication.objects.select_for_update()
            .select_related("user")
            .get(pk=application_id)
        )
        if (
            application.decision_emailed_at
            or application.status == SellerApplication.Status.PENDING
        ):
            return False
        send(application)
        application.decision_emailed_at = timezone.now()
        application.save(update_fields=["decision_emailed_at"])
    return True
