"""Live door counts: checked in / sold per ticket type, pushed to a campaign's door group.

Subscribers are the campaign's door page (its seller and assigned managers) and its paired
devices (validation.consumers): a handful per campaign, so the door uses the Channels layer
(Redis pub/sub) rather than the availability hub built for thousands (campaigns.live). Every
admission (scan, check-in by hand, synced offline scan) announces the counts once its
transaction commits. A door scanning fast would read and send the counts per scan; instead
one sender per process coalesces them, at most one message per campaign per SEND_INTERVAL
(trailing edge, read when sent, so never older than the commits it follows), on a
long-lived event loop of its own: the committing thread pays microseconds.
"""

import asyncio
import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import close_old_connections

from core.tasks import on_commit
from validation import selectors

logger = logging.getLogger(__name__)

COUNTS_TYPE = "door.counts"
REVOKED_TYPE = "door.device_revoked"
SEND_INTERVAL = 0.1


def group_name(campaign_id: int) -> str:
    return f"door-{campaign_id}"


def counts_message(campaign_id: int) -> dict:
    return {"type": COUNTS_TYPE, "counts": selectors.door_counts(campaign_id=campaign_id)}


def _read_counts(campaign_id: int) -> dict:
    """The message, read on the sender's own thread with request-like connection upkeep."""
    close_old_connections()
    try:
        return counts_message(campaign_id)
    finally:
        close_old_connections()


class _Sender:
    """One event loop per process that coalesces and sends the door counts."""

    def __init__(self):
        self.pid = os.getpid()
        self.loop = asyncio.new_event_loop()
        self.reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="door-read")
        self.pending: set[int] = set()
        self.last_sent: dict[int, float] = {}
        self.tasks: set[asyncio.Task] = set()
        self.thread = threading.Thread(target=self._run, name="door-counts", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        self.loop.run_forever()
        # Closed on its own thread: channels-redis closes its pools on this loop as it closes.
        self.loop.close()

    def announce(self, campaign_id: int) -> None:
        self.loop.call_soon_threadsafe(self._schedule, campaign_id)

    def _schedule(self, campaign_id: int) -> None:
        if campaign_id in self.pending:
            return
        self.pending.add(campaign_id)
        delay = self.last_sent.get(campaign_id, float("-inf")) + SEND_INTERVAL - self.loop.time()
        self.loop.call_later(max(delay, 0.0), self._start_flush, campaign_id)

    def _start_flush(self, campaign_id: int) -> None:
        task = self.loop.create_task(self._flush(campaign_id))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _flush(self, campaign_id: int) -> None:
        # Announcements arriving from here on schedule the next flush: the trailing edge.
        self.pending.discard(campaign_id)
        self.last_sent[campaign_id] = self.loop.time()
        try:
            message = await self.loop.run_in_executor(self.reader, _read_counts, campaign_id)
            await get_channel_layer().group_send(group_name(campaign_id), message)
        except Exception:
            logger.exception("Could not announce the door counts of campaign %s", campaign_id)


_sender: _Sender | None = None
_sender_lock = threading.Lock()


def sender() -> _Sender:
    """This process's sender, started on first use (and again in a forked child)."""
    global _sender
    with _sender_lock:
        if _sender is None or _sender.pid != os.getpid():
            _sender = _Sender()
        return _sender


def _announce(campaign_id: int) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    if isinstance(layer, InMemoryChannelLayer):
        # Bound to the event loop of its consumers (development, tests): send from there.
        async_to_sync(layer.group_send)(group_name(campaign_id), counts_message(campaign_id))
        return
    sender().announce(campaign_id)


def door_counts_changed(campaign_id: int) -> None:
    """Announce the campaign's check-in counts after commit; call inside the transaction."""
    on_commit(_announce, campaign_id)


def _send_revoked(campaign_id: int, device_id: int) -> None:
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(
            group_name(campaign_id), {"type": REVOKED_TYPE, "device": device_id}
        )


def device_revoked(*, campaign_id: int, device_id: int) -> None:
    """After commit, close the revoked device's open websocket (it hears nothing more)."""
    on_commit(_send_revoked, campaign_id, device_id)
