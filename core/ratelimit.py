"""Fixed-window request budgets in the shared cache: the one counter behind every throttle.

DRF views count through `core.throttling.ScopedOrDefaultThrottle`, paths served by other code
(allauth's sign-in) through `core.middleware.PathThrottleMiddleware`; both land here, so a
scope's budget is the same counter whichever way a request arrives.
"""

import math

from django.core.cache import cache
from django.dispatch import Signal

# Sent once per key and window, by the request that first goes over the budget (so a flood
# announces itself once a window); arguments: request, scope, rate.
throttle_tripped = Signal()

RATE_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """`"20/min"` -> (20, 60), as DRF reads its rates (only the period's first letter counts)."""
    count, period = rate.split("/")
    return int(count), RATE_PERIODS[period[0]]


def rate_limit_take(*, scope: str, ident: str, rate: str, now: float, request=None) -> int | None:
    """Count one request of `ident` against `scope`'s budget; None if allowed, else the
    seconds left in the window (for Retry-After).

    Counted in the shared cache (one pipelined INCR and EXPIRE NX on Redis, see
    `core.cache`): every app process shares the counters, and simultaneous requests can
    never both take the last slot. The counter outlives its window by a little so a slow
    request never increments a vanished key.
    """
    limit, duration = parse_rate(rate)
    window = int(now // duration)
    count = _count(f"throttle_{scope}_{ident}:{window}", timeout=duration + 5)
    if count <= limit:
        return None
    if count == limit + 1:
        throttle_tripped.send(sender=rate_limit_take, request=request, scope=scope, rate=rate)
    return max(1, math.ceil((window + 1) * duration - now))


def _count(key: str, *, timeout: int) -> int:
    """One more on the counter at `key`, created with `timeout`: in one Redis round trip, or
    with the cache's atomic add and increment where the cache is not Redis (development)."""
    if hasattr(cache, "count"):
        return cache.count(key, timeout)
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # culled just after the add (the in-memory cache culls when full)
        cache.set(key, 1, timeout=timeout)
        return 1
