"""Template context of the accounts app."""

from django.utils.functional import SimpleLazyObject

from accounts.selectors import manager_invitations_open_for


def invitations(request):
    """How many invitations wait for the signed-in user, for the navigation's link to them.

    Counted only if a page shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "open_invitations": SimpleLazyObject(
            lambda: manager_invitations_open_for(user=user).count()
        )
    }
