"""Every write of the accounts app: users and roles, seller applications, manager invitations,
audit events."""

import hashlib
from datetime import timedelta

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone

from accounts.models import AuditEvent, ManagerInvitation, Role, SellerApplication, User
from accounts.sessions import session_store
from core.errors import Conflict, InvalidTransition, NotFound
from core.locking import lock, lock_one
from core.tasks import enqueue_on_commit

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


class InvitationNotFound(NotFound):
    default_detail = "You have no invitation with this id."


class InvitationExpired(Conflict):
    code = "invitation_expired"
    default_detail = "This invitation has expired; ask for a new one."


class InvitationClosed(Conflict):
    code = "invitation_closed"
    default_detail = "This invitation was already answered or withdrawn."


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


def normalize_email(email: str) -> str:
    """E-mail addresses are stored and compared in lower case."""
    return User.objects.normalize_email(email).lower()


def user_get_or_create(*, email: str, name: str = "") -> tuple[User, bool]:
    """The user with this e-mail, created (without a password) if new."""
    email = normalize_email(email)
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


class AccountInUse(Conflict):
    code = "account_in_use"
    default_detail = (
        "A seller's or super admin's account holds campaigns, money or duties: ask support "
        "to close it."
    )


def user_may_delete(*, user: User) -> bool:
    return user.role not in (Role.SELLER, Role.SUPER_ADMIN)


def user_delete(*, user: User, ip: str | None = None) -> None:
    """Delete `user`'s account at their request (app stores require the option).

    Personal data goes, records stay: bookings, tickets, payments and receipts are kept, as
    the law on sales requires, on the row, which is anonymised. Its e-mail, name, phone,
    password, Google link and addresses are erased and it is inactive, so every session and
    token of it ends (the session hash changes) and it never signs in again; signing in
    with Google later starts a new account. Tickets already issued keep admitting. Its
    seller applications go too. Sellers and super admins are refused (AccountInUse).
    """
    if not user_may_delete(user=user):
        raise AccountInUse()
    with transaction.atomic():
        user = lock_one(User.objects, pk=user.pk)
        user.email = f"deleted-{user.pk}@deleted.invalid"
        user.name = user.phone = ""
        user.is_active = False
        user.set_unusable_password()
        user.save()
        SocialAccount.objects.filter(user=user).delete()
        EmailAddress.objects.filter(user=user).delete()
        user.seller_applications.all().delete()
        audit_event_record(actor=user, action="user.deleted", target=user, ip=ip)


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
        user = lock_one(User.objects, pk=user.pk)
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
    with transaction.atomic():
        application = lock_one(SellerApplication.objects.select_related("user"), pk=application_id)
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
        enqueue_on_commit(seller_application_mark_emailed, application_id=application.pk)
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
        application = lock_one(SellerApplication.objects.select_related("user"), pk=application_id)
        if (
            application.decision_emailed_at
            or application.status == SellerApplication.Status.PENDING
        ):
            return False
        send(application)
        application.decision_emailed_at = timezone.now()
        application.save(update_fields=["decision_emailed_at"])
    return True


# --- Manager invitations ------------------------------------------------------------------


def _lock_pending_invitation(*, target: Model, email: str) -> ManagerInvitation | None:
    """The pending (possibly expired) invitation of `email` to manage `target`, row-locked."""
    pending = ManagerInvitation.objects.filter(
        target_type=ContentType.objects.get_for_model(target),
        target_id=target.pk,
        email=email,
        status=ManagerInvitation.Status.PENDING,
    )
    return next(iter(lock(pending, limit=1)), None)


def manager_invitation_send(
    *, target: Model, email: str, invited_by: User, ip: str | None = None
) -> ManagerInvitation:
    """Invite `email` to manage `target`; e-mailed after commit. Audited.

    The pending invitation of that address returns unchanged (a replay sends nothing); an
    expired one is renewed and sent again. Call holding a lock on `target`, as the app that
    owns it does for every change of its managers.
    """
    email = normalize_email(email)
    with transaction.atomic():
        invitation = _lock_pending_invitation(target=target, email=email)
        if invitation is not None and not invitation.is_expired:
            return invitation
        expires_at = timezone.now() + timedelta(days=settings.MANAGER_INVITATION_DAYS)
        renewed = invitation is not None
        if renewed:
            invitation.expires_at, invitation.invited_by = expires_at, invited_by
            invitation.emailed_at = None
            invitation.save(update_fields=["expires_at", "invited_by", "emailed_at"])
        else:
            invitation = ManagerInvitation.objects.create(
                target=target, email=email, invited_by=invited_by, expires_at=expires_at
            )
        audit_event_record(
            actor=invited_by,
            action="manager_invitation.created",
            target=invitation,
            ip=ip,
            metadata={
                "email": email,
                "renewed": renewed,
                "target": target._meta.label_lower,
                "target_id": target.pk,
            },
        )
        enqueue_on_commit(manager_invitation_mark_emailed, invitation_id=invitation.pk)
    return invitation


def _lock_invitation_of(*, invitation_id: int, user: User) -> ManagerInvitation:
    """The invitation addressed to `user`, row-locked; someone else's reads as not found."""
    addressed = ManagerInvitation.objects.filter(email=normalize_email(user.email))
    try:
        return lock_one(addressed, pk=invitation_id)
    except ManagerInvitation.DoesNotExist:
        raise InvitationNotFound() from None


def _decide(*, invitation: ManagerInvitation, status: str, user: User, ip: str | None) -> None:
    invitation.status, invitation.decided_by = status, user
    invitation.decided_at = timezone.now()
    invitation.save(update_fields=["status", "decided_by", "decided_at"])
    audit_event_record(
        actor=user,
        action=f"manager_invitation.{status}",
        target=invitation,
        ip=ip,
        metadata={"email": invitation.email, "role": user.role, "target_id": invitation.target_id},
    )


def manager_invitation_accept(
    *, invitation_id: int, user: User, ip: str | None = None
) -> tuple[ManagerInvitation, bool]:
    """`user` accepts an invitation addressed to their e-mail; (invitation, accepted now).

    A customer becomes a manager; a seller, manager or super admin keeps their role. The
    caller (the app owning the target) assigns `user` when accepted now, in its own
    transaction around this call, holding the target's lock. Accepting again changes nothing
    and returns False; an expired, declined or revoked invitation is refused.
    """
    with transaction.atomic():
        invitation = _lock_invitation_of(invitation_id=invitation_id, user=user)
        if invitation.status == ManagerInvitation.Status.ACCEPTED:
            return invitation, False
        if invitation.status != ManagerInvitation.Status.PENDING:
            raise InvitationClosed(f"This invitation was {invitation.status}.")
        if invitation.is_expired:
            raise InvitationExpired()
        if user.role == Role.CUSTOMER:
            user_set_role(user=user, role=Role.MANAGER, actor=user, ip=ip)
        _decide(invitation=invitation, status=ManagerInvitation.Status.ACCEPTED, user=user, ip=ip)
    return invitation, True


def manager_invitation_decline(
    *, invitation_id: int, user: User, ip: str | None = None
) -> ManagerInvitation:
    """`user` turns down an invitation addressed to them; declining again changes nothing."""
    with transaction.atomic():
        invitation = _lock_invitation_of(invitation_id=invitation_id, user=user)
        if invitation.status == ManagerInvitation.Status.DECLINED:
            return invitation
        if invitation.status != ManagerInvitation.Status.PENDING:
            raise InvitationClosed(f"This invitation was {invitation.status}.")
        _decide(invitation=invitation, status=ManagerInvitation.Status.DECLINED, user=user, ip=ip)
    return invitation


def manager_invitation_revoke(
    *, target: Model, email: str, actor: User, ip: str | None = None
) -> bool:
    """Withdraw the pending invitation of `email` to manage `target`; False if none. Call
    holding a lock on `target`."""
    with transaction.atomic():
        invitation = _lock_pending_invitation(target=target, email=normalize_email(email))
        if invitation is None:
            return False
        _decide(invitation=invitation, status=ManagerInvitation.Status.REVOKED, user=actor, ip=ip)
    return True


def manager_invitation_mark_emailed(*, invitation_id: int, send) -> bool:
    """Send an invitation once: `send(invitation)` runs only while it is pending and unsent."""
    with transaction.atomic():
        invitation = lock_one(
            ManagerInvitation.objects.select_related("invited_by"), pk=invitation_id
        )
        if invitation.emailed_at or invitation.state != ManagerInvitation.Status.PENDING:
            return False
        send(invitation)
        invitation.emailed_at = timezone.now()
        invitation.save(update_fields=["emailed_at"])
    return True
