"""DRF plumbing shared by every app: pagination, throttling, JSON 404s.

Nothing here may import `rest_framework.views`: DRF imports these classes while building
its APIView defaults (see config/exceptions.py for the error handler).
"""

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import status
from rest_framework.pagination import PageNumberPagination
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle


@csrf_exempt
def api_not_found(request, *args, **kwargs):
    """Unknown API paths answer JSON for every method: not the HTML 404 page, and not the
    CSRF refusal a POST would otherwise meet before reaching here."""
    return JsonResponse(
        {"code": "not_found", "detail": "No API endpoint at this path."},
        status=status.HTTP_404_NOT_FOUND,
    )


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 100


class ScopedOrDefaultThrottle(SimpleRateThrottle):
    """One throttle for every view: its `throttle_scope` when set, else `user` or `anon`.

    Counted per user when signed in, per client IP otherwise, in fixed windows of the rate's
    duration with the cache's atomic increment (Redis INCR in deployments): every app process
    shares the counters, and simultaneous requests can never both take the last slot, which
    DRF's read-modify-write list of timestamps allows. `Retry-After` is the time left in the
    window.
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
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        now = self.timer()
        window = int(now // self.duration)
        self.window_ends = (window + 1) * self.duration
        key = f"{self.get_cache_key(request, view)}:{window}"
        # add() is a no-op when the window's counter exists; the counter outlives its window
        # by a little so a slow request never increments a vanished key.
        self.cache.add(key, 0, timeout=self.duration + 5)
        return self.cache.incr(key) <= self.num_requests

    def wait(self):
        return max(1, self.window_ends - self.timer())

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            ident = f"u{request.user.pk}"
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
