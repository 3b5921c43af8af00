"""Live availability: what remains per ticket type, pushed to websocket watchers.

Services that change `TicketType.reserved` call `availability_changed(campaign_id)` inside
their transaction; once it commits, every process that has watchers of that campaign is told
(nothing is sent for a transaction that rolls back), reads the campaign's availability once
and writes that one frame to each of its watchers.

Why this shape (README, Benchmarks):
- One Redis pub/sub subscription per server process (`Hub`), fanned out in memory, carrying
  only the campaign id. channels-redis's group messages went through one Redis list per
  watcher: 1,000 watchers on 2 workers got an update at p99 1.4 s, and some never did.
- The receiving process reads the snapshot itself, on one reader thread, so the frames each
  watcher gets are in commit order, and the last one of a burst is the final state, whatever
  order the announcements of several processes arrive in.
- Bursts: a process sends a campaign's watchers at most one frame per `FRAME_INTERVAL`,
  trailing edge; a slow client is skipped to the latest frame, never queued behind.
- Redis down: bookings and pages go on (announcing never blocks a request); the hub
  reconnects with a growing pause, subscribes again and re-sends every watched campaign.
Without `REDIS_URL` (development, most tests) announcements go to the hubs of this process.
"""

import asyncio
import contextlib
import json
import logging
import os
import threading
import weakref
from concurrent.futures import ThreadPoolExecutor

import redis.asyncio as aioredis
from django.conf import settings
from django.db import close_old_connections

from campaigns.models import TicketType
from core.tasks import on_commit

logger = logging.getLogger(__name__)

FRAME_INTERVAL = 0.25
RECONNECT_DELAYS = (0.5, 1.0, 2.0, 5.0)


def availability_snapshot(campaign_id: int) -> list[dict]:
    """`[{"id", "remaining"}]` for every listed ticket type of the campaign, in display order
    (hidden types are left out: anyone may watch this)."""
    rows = TicketType.objects.filter(campaign_id=campaign_id, hidden=False).values_list(
        "id", "capacity", "reserved"
    )
    return [{"id": pk, "remaining": capacity - reserved} for pk, capacity, reserved in rows]


def _read_frame(campaign_id: int) -> str:
    """The websocket frame of the campaign's availability, read with request-like
    connection upkeep (it runs on a hub's own thread)."""
    close_old_connections()
    try:
        snapshot = availability_snapshot(campaign_id)
    finally:
        close_old_connections()
    return json.dumps({"type": "availability", "ticket_types": snapshot})


def pubsub_channel() -> str:
    """Redis pub/sub channels ignore database numbers: name it after the URL's database, so
    deployments (and test runs) sharing a Redis server do not hear each other."""
    db = aioredis.ConnectionPool.from_url(settings.REDIS_URL).connection_kwargs.get("db", 0)
    return f"tickets:{db}:availability"


class Hub:
    """The watchers of one event loop (a server process), by campaign."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.watchers: dict[int, set] = {}
        self.reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="live-read")
        self.last_flush: dict[int, float] = {}
        self.scheduled: set[int] = set()
        self.tasks: set[asyncio.Task] = set()
        self.listener: asyncio.Task | None = None

    def join(self, campaign_id: int, watcher) -> None:
        """`watcher.push(text)` will get the campaign's frames from now on."""
        self.watchers.setdefault(campaign_id, set()).add(watcher)
        if settings.REDIS_URL and self.listener is None:
            self.listener = self._spawn(self._listen())

    def leave(self, campaign_id: int, watcher) -> None:
        watching = self.watchers.get(campaign_id)
        if watching is not None:
            watching.discard(watcher)
            if not watching:
                del self.watchers[campaign_id]

    async def current_frame(self, campaign_id: int) -> str:
        """Read on the hub's reader thread, so a watcher's first frame is never newer than
        a flush read after it, nor older than one read before it."""
        return await self.loop.run_in_executor(self.reader, _read_frame, campaign_id)

    def changed(self, campaign_id: int) -> None:
        """The campaign's availability changed: send its watchers a fresh frame, now if the
        last one is older than FRAME_INTERVAL, else when it will be."""
        if campaign_id not in self.watchers or campaign_id in self.scheduled:
            return
        self.scheduled.add(campaign_id)
        wait = self.last_flush.get(campaign_id, float("-inf")) + FRAME_INTERVAL - self.loop.time()
        self.loop.call_later(max(wait, 0.0), self._spawn_flush, campaign_id)

    def _spawn_flush(self, campaign_id: int) -> None:
        self._spawn(self._flush(campaign_id))

    def _spawn(self, coroutine) -> asyncio.Task:
        task = self.loop.create_task(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    async def _flush(self, campaign_id: int) -> None:
        # Changes announced from here on schedule the next flush: the trailing edge.
        self.scheduled.discard(campaign_id)
        self.last_flush[campaign_id] = self.loop.time()
        try:
            text = await self.current_frame(campaign_id)
        except Exception:
            logger.exception("Could not read the availability of campaign %s", campaign_id)
            return
        # One after the other: uvicorn's websocket send writes to the socket without waiting
        # for the client, so this costs no task per watcher and no slow client holds it up.
        for watcher in list(self.watchers.get(campaign_id, ())):
            with contextlib.suppress(OSError):  # gone mid-send; its disconnect removes it
                await watcher.push(text)

    async def _listen(self) -> None:
        """Hear every process's announcements through one subscription, for good."""
        failures = 0
        while True:
            client = aioredis.Redis.from_url(
                settings.REDIS_URL, socket_connect_timeout=2, client_name=f"live-hub-{os.getpid()}"
            )
            try:
                async with client.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.subscribe(pubsub_channel())
                    if failures:
                        logger.info("Live availability: subscribed again after %s tries", failures)
                        # What changed while nothing was heard.
                        for campaign_id in list(self.watchers):
                            self.changed(campaign_id)
                    failures = 0
                    async for message in pubsub.listen():
                        self.changed(int(message["data"]))
            except (aioredis.RedisError, OSError) as error:
                if not failures:
                    logger.warning("Live availability: lost Redis (%s); reconnecting", error)
                failures += 1
            finally:
                await client.aclose()
            await asyncio.sleep(RECONNECT_DELAYS[min(failures, len(RECONNECT_DELAYS)) - 1])

    async def close(self) -> None:
        """Stop listening and wait for sends in flight (tests, orderly shutdown)."""
        if self.listener is not None:
            self.listener.cancel()
            await asyncio.gather(self.listener, return_exceptions=True)
        while self.scheduled or self.tasks:
            await asyncio.sleep(0.01)
        self.reader.shutdown()


_hubs: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_hubs_lock = threading.Lock()


def hub() -> Hub:
    """The hub of the running event loop, made on first use."""
    loop = asyncio.get_running_loop()
    with _hubs_lock:
        if loop not in _hubs:
            _hubs[loop] = Hub(loop)
        return _hubs[loop]


async def hub_close() -> None:
    """Stop the hub of the running event loop, if it has one (tests, orderly shutdown)."""
    with _hubs_lock:
        running = _hubs.pop(asyncio.get_running_loop(), None)
    if running is not None:
        await running.close()


class _Publisher:
    """One event loop per process on a background thread that publishes announcements to
    Redis, so the committing thread pays microseconds and never waits for Redis."""

    def __init__(self):
        self.pid = os.getpid()
        self.url = settings.REDIS_URL
        self.loop = asyncio.new_event_loop()
        self.pending: set[int] = set()
        self.client = aioredis.Redis.from_url(self.url, socket_connect_timeout=2, socket_timeout=2)
        self.channel = pubsub_channel()
        self.thread = threading.Thread(target=self.loop.run_forever, name="live-pub", daemon=True)
        self.thread.start()

    def announce(self, campaign_id: int) -> None:
        self.loop.call_soon_threadsafe(self._schedule, campaign_id)

    def _schedule(self, campaign_id: int) -> None:
        # Announcements made while one is queued are the same news.
        if campaign_id not in self.pending:
            self.pending.add(campaign_id)
            self.loop.create_task(self._publish(campaign_id))

    async def _publish(self, campaign_id: int) -> None:
        self.pending.discard(campaign_id)
        try:
            await self.client.publish(self.channel, campaign_id)
        except (aioredis.RedisError, OSError) as error:
            # Watchers catch up when their hub subscribes again.
            logger.warning("Could not announce campaign %s: %s", campaign_id, error)


_publisher: _Publisher | None = None
_publisher_lock = threading.Lock()


def publisher() -> _Publisher:
    """This process's publisher, started on first use (and again in a forked child, or for
    another Redis)."""
    global _publisher
    with _publisher_lock:
        if (
            _publisher is None
            or _publisher.pid != os.getpid()
            or _publisher.url != settings.REDIS_URL
        ):
            _publisher = _Publisher()
        return _publisher


def _announce(campaign_id: int) -> None:
    if settings.REDIS_URL:
        publisher().announce(campaign_id)
        return
    with _hubs_lock:
        hubs = list(_hubs.values())
    for each in hubs:
        with contextlib.suppress(RuntimeError):  # its event loop has closed
            each.loop.call_soon_threadsafe(each.changed, campaign_id)


def availability_changed(campaign_id: int) -> None:
    """Announce that reservations of a campaign changed, once the transaction commits.

    Call it from any service that changes `TicketType.reserved`, inside its transaction;
    nothing is sent if the transaction rolls back.
    """
    on_commit(_announce, campaign_id)
