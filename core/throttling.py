"""The API's throttle: one class for every view, counters shared through the cache.

Nothing here may import `rest_framework.views`: DRF imports this class while building its
APIView defaults.
"""

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from core.http import client_ip
from core.ratelimit import rate_limit_take


class ScopedOrDefaultThrottle(SimpleRateThrottle):
    """One throttle for every view: its `throttle_scope` when set, else `user` or `anon`.

    Counted per user when signed in, per client address (`core.http.client_ip`, which a
    forged `X-Forwarded-For` cannot change) otherwise, by the fixed-window counter of
    `core.ratelimit`, shared with the paths throttled outside DRF. Unlike DRF's
    read-modify-write list of timestamps, simultaneous requests can never both take the last
    slot. `Retry-After` is the time left in the window.
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
        self.seconds_left = rate_limit_take(
            scope=self.scope,
            ident=self._ident(request),
            rate=self.rate,
            now=self.timer(),
            request=request,
        )
        return self.seconds_left is None

    def wait(self):
        return self.seconds_left

    def get_ident(self, request):
        return client_ip(request) or "unknown"

    def _ident(self, request) -> str:
        # Credentials that are not a person (a paired door device) name their own budget.
        own = getattr(getattr(request, "auth", None), "throttle_ident", None)
        if own:
            return own
        if request.user and request.user.is_authenticated:
            return f"u{request.user.pk}"
        return self.get_ident(request)
