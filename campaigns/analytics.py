"""Campaign views, counted in Redis and folded into the database by a beat job."""

from datetime import date
from functools import lru_cache

import redis
from django.conf import settings
from django.utils import timezone

VIEWS_KEY_PREFIX = "campaigns:views:"
# The counters touched since the last fold, so the fold never scans the keyspace.
VIEWS_PENDING_KEY = "campaigns:views:pending"
FOLD_BATCH = 1000


@lru_cache(maxsize=2)
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)


def _redis() -> redis.Redis:
    return _client(settings.REDIS_URL)


def _views_key(campaign_id: int, day: date) -> str:
    return f"{VIEWS_KEY_PREFIX}{campaign_id}:{day.isoformat()}"


def view_counter_incr(campaign_id: int) -> None:
    """INCR today's counter of the campaign and mark it pending, atomically (MULTI)."""
    key = _views_key(campaign_id, timezone.now().date())
    pipe = _redis().pipeline(transaction=True)
    pipe.incr(key)
    pipe.sadd(VIEWS_PENDING_KEY, key)
    pipe.execute()


def view_counts_take() -> list[tuple[int, date, int]]:
    """Take (GETDEL) up to FOLD_BATCH pending counters: `[(campaign_id, day, views)]`."""
    client = _redis()
    taken = []
    for raw_key in client.spop(VIEWS_PENDING_KEY, FOLD_BATCH) or []:
        key = raw_key.decode()
        value = client.getdel(key)
        if value is None:
            # Re-marked by a view after an earlier fold had already taken this counter.
            continue
        campaign_id, day = key.removeprefix(VIEWS_KEY_PREFIX).split(":")
        taken.append((int(campaign_id), date.fromisoformat(day), int(value)))
    return taken


def view_counts_restore(taken: list[tuple[int, date, int]]) -> None:
    """Put counts taken by `view_counts_take` back, for a fold that could not save them."""
    pipe = _redis().pipeline(transaction=True)
    for campaign_id, day, views in taken:
        key = _views_key(campaign_id, day)
        pipe.incrby(key, views)
        pipe.sadd(VIEWS_PENDING_KEY, key)
    pipe.execute()
