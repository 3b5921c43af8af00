"""Role checks for pages: the page-side twins of the DRF permissions in permissions.py."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from accounts.models import Role


def seller_required(view):
    """Signed-in sellers only: others signed in get 403, anonymous visitors the sign-in page."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if request.user.role != Role.SELLER:
            raise PermissionDenied("Only sellers can open this page.")
        return view(request, *args, **kwargs)

    return wrapper
