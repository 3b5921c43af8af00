"""Live availability over the websocket: snapshot, committed updates, rollbacks, bursts."""

import asyncio

import pytest
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
    outlive the test (CONN_MAX_AGE) and keep the test database from being dropped."""
    yield
    await sync_to_async(connections.close_all)()


@pytest.fixture
def in_memory_layer(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


@pytest.fixture
def redis_layer(settings):
    assert settings.CHANNEL_LAYERS["default"]["BACKEND"] == "channels_redis.core.RedisChannelLayer"
    yield
    live.sender_close()


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
    assert 1 <= len(frames) <= burst // live.CLIENT_FRAME_INTERVAL + 2
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
async def test_update_crosses_the_redis_channel_layer(redis_layer, published):
    """The change is announced by this process's sender loop through Redis, as another app
    process would, and the consumer receives it from Redis."""
    regular, vip = await database_sync_to_async(_ids)(published)
    communicator, _ = await _connect(published.pk)
    await communicator.receive_json_from()

    await database_sync_to_async(reserve)(vip, 2)
    await database_sync_to_async(reserve)(vip, 1)

    frame = await communicator.receive_json_from(timeout=3)
    while frame["ticket_types"][1]["remaining"] != 7:
        frame = await communicator.receive_json_from(timeout=3)
    assert frame == {
        "type": "availability",
        "ticket_types": [{"id": regular, "remaining": 100}, {"id": vip, "remaining": 7}],
    }
    await communicator.disconnect()
    await asyncio.sleep(0)
