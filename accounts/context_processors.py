"""Template context of the accounts app: the header's sign-in link and invitations."""

from django.utils.functional import SimpleLazyObject

from accounts.selectors import manager_invitations_open_for
from accounts.sign_in import google_sign_in_available


def sign_in(request):
    """`google_sign_in`: whether to offer "Sign in with Google"; looked up only when a
    template asks (signed-in pages never do)."""
    return {"google_sign_in": SimpleLazyObject(lambda: google_sign_in_available(request))}


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
