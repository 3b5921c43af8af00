"""Template context of the sign-in links that every page's header shows."""

from django.utils.functional import SimpleLazyObject

from accounts.sign_in import google_sign_in_available


def sign_in(request):
    """`google_sign_in`: whether to offer "Sign in with Google"; looked up only when a
    template asks (signed-in pages never do)."""
    return {"google_sign_in": SimpleLazyObject(lambda: google_sign_in_available(request))}
