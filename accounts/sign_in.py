"""Which ways in this server offers: Google when exactly one Google app is configured (as
allauth needs it), and the demo sign-in with DEBUG on. Pages offer only what works."""

from functools import wraps
from urllib.parse import urlencode

from allauth.socialaccount.adapter import get_adapter
from django.core.exceptions import MultipleObjectsReturned, ObjectDoesNotExist
from django.shortcuts import redirect
from django.urls import reverse


def google_sign_in_available(request) -> bool:
    """True when allauth can start a Google sign-in: its provider views would otherwise fail
    (`SocialApp.DoesNotExist` with no app, `MultipleObjectsReturned` with two)."""
    try:
        get_adapter(request).get_app(request, provider="google")
    except (ObjectDoesNotExist, MultipleObjectsReturned):
        return False
    return True


def requires_google(view):
    """Wrap one of allauth's Google views: without a configured app, send the visitor to
    the sign-in page, which says why and what to do instead, rather than failing."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if google_sign_in_available(request):
            return view(request, *args, **kwargs)
        url = reverse("account_login")
        next_url = request.GET.get("next") or request.POST.get("next")
        return redirect(f"{url}?{urlencode({'next': next_url})}" if next_url else url)

    return wrapper
