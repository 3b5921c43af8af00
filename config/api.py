"""DRF plumbing shared by every app: pagination, throttling, JSON 404s.

Nothing here may import `rest_framework.views`: DRF imports these classes while building
its APIView defaults (see config/exceptions.py for the error handler).
"""

from django.http import JsonResponse
from rest_framework import status
from rest_framework.pagination import PageNumberPagination
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle


def api_not_found(request, *args, **kwargs):
    """Unknown paths under /api/ answer JSON, not the HTML 404 page."""
    return JsonResponse(
        {"code": "not_found", "detail": "No API endpoint at this path."},
        status=status.HTTP_404_NOT_FOUND,
    )


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 100


class ScopedOrDefaultThrottle(SimpleRateThrottle):
    """One throttle for every view: its `throttle_scope` when set, else `user` or `anon`.

    Counted per user when signed in, per client IP otherwise, in the default cache
    (Redis in deployments, so every app process shares the counters).
    """

    def __init__(self):
        # The rate depends on the view, so it is resolved per request in allow_request.
        pass

    def allow_request(self, request, view):
        self.scope = getattr(view, "throttle_scope", None) or (
            "user" if request.user and request.user.is_authenticated else "anon"
        )
        # Read the rates on each request so settings overrides (tests, reloads) apply.
        self.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            ident = f"u{request.user.pk}"
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
