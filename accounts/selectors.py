"""Reads of the accounts app used by several views and other apps: the audit trail (admin
API and CSV export) and open manager invitations."""

from collections.abc import Iterator
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import AuditEvent, ManagerInvitation, User
from accounts.services import normalize_email

AUDIT_BATCH = 1000


def audit_event_list(
    *,
    action: str | None = None,
    actor_id: int | None = None,
    actor_email: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[AuditEvent]:
    """Audit events newest first (since <= created_at < until), actors joined in."""
    events = AuditEvent.objects.select_related("actor").order_by("-created_at", "-id")
    if action is not None:
        events = events.filter(action=action)
    if actor_id is not None:
        events = events.filter(actor_id=actor_id)
    if actor_email is not None:
        events = events.filter(actor__email=actor_email.lower())
    if since is not None:
        events = events.filter(created_at__gte=since)
    if until is not None:
        events = events.filter(created_at__lt=until)
    return events


def audit_event_batches(
    events: QuerySet[AuditEvent], *, size: int = AUDIT_BATCH
) -> Iterator[list[AuditEvent]]:
    """The events of audit_event_list in batches, one query each.

    Keyset pagination on (created_at, id): no cursor stays open between batches and a deep
    batch costs what the first one does, unlike OFFSET.
    """
    page = events
    while True:
        batch = list(page[:size])
        if batch:
            yield batch
        if len(batch) < size:
            return
        last = batch[-1]
        page = events.filter(
            Q(created_at__lt=last.created_at) | Q(created_at=last.created_at, id__lt=last.id)
        )


def manager_invitations_open_for(*, user: User) -> QuerySet[ManagerInvitation]:
    """Invitations `user` can still accept: pending, unexpired, addressed to their e-mail."""
    return ManagerInvitation.objects.filter(
        email=normalize_email(user.email),
        status=ManagerInvitation.Status.PENDING,
        expires_at__gt=timezone.now(),
    )
