"""Live availability over the websocket: snapshot, committed updates, rollbacks, bursts."""

import asyncio
import os

import pytest
import redis.asyncio as aioredis
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.db import connections, transaction
from django.db.models import F

from campaigns import live
from campaigns.models import TicketType
from config.routing import websocket_urlpatterns

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
async def _close_thread_connections():
    """ORM calls from async tests run on asgiref's shared thread, whose connection would
    outlive the test (CONN_MAX_AGE) and keep the test database from being dropped; the hub of
    the test's event loop stops listening."""
    yield
    await live.hub_close()
    await sync_to_async(connections.close_all)()


@pytest.fixture
def in_memory_layer(settings):
    """What `make run` has: no Redis, so announcements reach this process's hubs only."""
    settings.REDIS_URL = ""


@pytest.fixture
def redis_layer(settings):
    assert settings.REDIS_URL.startswith("redis://")


def reserve(ticket_type_id: int, quantity: int, *, roll_back: bool = False) -> None:
    """What the bookings services do: change `reserved` and announce it, in one transaction."""
    try:
        with transaction.atomic():
            ticket_type = TicketType.objects.select_for_update().get(pk=ticket_type_id)
            TicketType.objects.filter(pk=ticket_type_id).update(reserved=F("reserved") + quantity)
            live.availability_changed(ticket_type.campaign_id)
            if roll_back:
                raise RuntimeError("payment provider said no")
    except RuntimeError:
        if not roll_back:
            raise


async def _connect(campaign_id: int, user=None) -> tuple[WebsocketCommunicator, bool]:
    communicator = WebsocketCommunicator(
        URLRouter(websocket_urlpatterns), f"/ws/campaigns/{campaign_id}/"
    )
    communicator.scope["user"] = user or AnonymousUser()
    connected, _ = await communicator.connect()
    return communicator, connected


def _ids(campaign):
    return list(campaign.ticket_types.order_by("position").values_list("pk", flat=True))


async def test_connect_sends_the_current_availability(in_memory_layer, published):
    regular, vip = await database_sync_to_async(_ids)(published)
    await database_sync_to_async(reserve)(vip, 4)

    communicator, connected = await _connect(published.pk)

    assert connected
    assert await communicator.receive_json_from() == {
        "type": "availability",
        "ticket_types": [{"id": regular, "remaining": 100}, {"id": vip, "remaining": 6}],
    }
    await communicator.disconnect()


async def test_committed_change_is_pushed(in_memory_layer, published):
    regular, vip = await database_sync_to_async(_ids)(published)
    communicator, _ = await _connect(published.pk)
    await communicator.receive_json_from()

    await database_sync_to_async(reserve)(regular, 3)

    assert await communicator.receive_json_from(timeout=2) == {
        "type": "availability",
        "ticket_types": [{"id": regular, "remaining": 97}, {"id": vip, "remaining": 10}],
    }
    await communicator.disconnect()


async def test_nothing_is_pushed_for_a_rolled_back_change(in_memory_layer, published):
    regular, _ = await database_sync_to_async(_ids)(published)
    communicator, _ = await _connect(published.pk)
    await communicator.receive_json_from()

    await database_sync_to_async(reserve)(regular, 3, roll_back=True)

    assert await communicator.receive_nothing(timeout=0.5)
    remaining = await database_sync_to_async(lambda: TicketType.objects.get(pk=regular).remaining)()
    assert remaining == 100
    await communicator.disconnect()


async def test_a_burst_reaches_the_client_as_few_frames_ending_with_the_latest(
    in_memory_layer, published
):
    regular, vip = await database_sync_to_async(_ids)(published)
    communicator, _ = await _connect(published.pk)
    await communicator.receive_json_from()

    started = asyncio.get_running_loop().time()
    for _ in range(40):
        await database_sync_to_async(reserve)(regular, 1)
    burst = asyncio.get_running_loop().time() - started
    frames = []
    while not await communicator.receive_nothing(timeout=0.6):
        frames.append(await communicator.receive_json_from())

    # At most one frame per interval, plus the trailing one, however long the burst took.
    assert 1 <= len(frames) <= burst // live.FRAME_INTERVAL + 2
    assert len(frames) < 40
    assert frames[-1]["ticket_types"] == [
        {"id": regular, "remaining": 60},
        {"id": vip, "remaining": 10},
    ]
    await communicator.disconnect()


async def test_anonymous_clients_cannot_watch_a_draft(in_memory_layer, draft):
    communicator, connected = await _connect(draft.pk)

    assert not connected


async def test_the_owner_may_watch_a_draft(in_memory_layer, seller, draft):
    communicator, connected = await _connect(draft.pk, seller)

    assert connected
    assert (await communicator.receive_json_from())["type"] == "availability"
    await communicator.disconnect()


async def test_unknown_campaign_is_refused(in_memory_layer, db):
    communicator, connected = await _connect(999999)

    assert not connected


@pytest.mark.redis
async def test_update_crosses_redis(redis_layer, published):
    """The change is published to Redis by this process's publisher thread, as another app
    process would, and the hub hears it through its subscription."""
    regular, vip = await database_sync_to_async(_ids)(published)
    communicator, _ = await _connect(published.pk)
    await communicator.receive_json_from()
    await _subscribed()

    await database_sync_to_async(reserve)(vip, 2)
    await database_sync_to_async(reserve)(vip, 1)

    frame = await _last_frame(communicator)
    assert frame == {
        "type": "availability",
        "ticket_types": [{"id": regular, "remaining": 100}, {"id": vip, "remaining": 7}],
    }
    await communicator.disconnect()


@pytest.mark.redis
async def test_watchers_catch_up_with_changes_missed_while_redis_was_away(redis_layer, published):
    """A change announced while the hub's subscription is down is never heard; the hub
    subscribes again and sends every watched campaign's availability."""
    regular, vip = await database_sync_to_async(_ids)(published)
    communicator, _ = await _connect(published.pk)
    await communicator.receive_json_from()
    await _subscribed()

    await _kill_hub_connection()
    await database_sync_to_async(reserve)(regular, 5)

    frame = await _last_frame(communicator, timeout=5)
    assert frame == {
        "type": "availability",
        "ticket_types": [{"id": regular, "remaining": 95}, {"id": vip, "remaining": 10}],
    }
    await communicator.disconnect()


async def test_without_redis_watchers_get_the_availability_and_bookings_go_on(settings, published):
    """Redis unreachable: the page's websocket still opens with the current numbers, and a
    change commits (its announcement is lost, logged, and caught up on reconnection)."""
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    regular, vip = await database_sync_to_async(_ids)(published)

    communicator, connected = await _connect(published.pk)
    await database_sync_to_async(reserve)(regular, 4)

    assert connected
    assert await communicator.receive_json_from(timeout=3) == {
        "type": "availability",
        "ticket_types": [{"id": regular, "remaining": 100}, {"id": vip, "remaining": 10}],
    }
    remaining = await database_sync_to_async(lambda: TicketType.objects.get(pk=regular).remaining)()
    assert remaining == 96
    await communicator.disconnect()


def _redis():
    from django.conf import settings

    return aioredis.Redis.from_url(settings.REDIS_URL)


async def _hub_connections() -> list[dict]:
    async with _redis() as client:
        return [
            c
            for c in await client.client_list(_type="pubsub")
            if c["name"] == f"live-hub-{os.getpid()}"
        ]


async def _subscribed() -> None:
    """Wait until this process's hub listens (it subscribes when its first watcher joins)."""
    for _ in range(100):
        if await _hub_connections():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the hub never subscribed")


async def _kill_hub_connection() -> None:
    async with _redis() as client:
        for connection in await _hub_connections():
            await client.client_kill_filter(_id=connection["id"])


async def _last_frame(communicator, *, timeout: float = 3) -> dict:
    """The last frame before a quiet second."""
    frame = await communicator.receive_json_from(timeout=timeout)
    while not await communicator.receive_nothing(timeout=1):
        frame = await communicator.receive_json_from()
    return frame
