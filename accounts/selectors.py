"""Reads of the accounts app used by several views and other apps."""

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import ManagerInvitation, User
from accounts.services import normalize_email


def manager_invitations_open_for(*, user: User) -> QuerySet[ManagerInvitation]:
    """Invitations `user` can still accept: pending, unexpired, addressed to their e-mail."""
    return ManagerInvitation.objects.filter(
        email=normalize_email(user.email),
        status=ManagerInvitation.Status.PENDING,
        expires_at__gt=timezone.now(),
    )
