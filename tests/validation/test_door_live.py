"""The door's websocket: live check-in counts for the campaign's door staff and devices only."""

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.db import connections

from config.routing import websocket_urlpatterns
from tests.factories import CampaignFactory, SellerFactory
from validation import services

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
async def _close_thread_connections():
    yield
    await sync_to_async(connections.close_all)()


@pytest.fixture(autouse=True)
def in_memory_layer(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


async def _connect(campaign_id, *, user=None, subprotocols=None):
    communicator = WebsocketCommunicator(
        URLRouter(websocket_urlpatterns),
        f"/ws/validation/campaigns/{campaign_id}/door/",
        subprotocols=subprotocols,
    )
    communicator.scope["user"] = user or AnonymousUser()
    connected, subprotocol = await communicator.connect()
    return communicator, connected, subprotocol


def _pair(campaign, user):
    _, secret = services.device_add(campaign=campaign, name="Gate", user=user)
    return services.device_pair(pairing_code=secret.code)


def _counts(entry_type, checked_in, sold):
    return {
        "type": "counts",
        "counts": [
            {
                "ticket_type": entry_type.pk,
                "ticket_type_name": "Entry",
                "checked_in": checked_in,
                "sold": sold,
            }
        ],
    }


async def test_a_manager_sees_the_counts_and_each_admission(manager, entry_ticket, entry_type):
    communicator, connected, _ = await _connect(entry_type.campaign_id, user=manager)

    assert connected
    assert await communicator.receive_json_from() == _counts(entry_type, 0, 1)
    await database_sync_to_async(services.scan_ticket)(
        manager=manager, qr=entry_ticket.qr_token, device_id="g"
    )
    assert await communicator.receive_json_from(timeout=2) == _counts(entry_type, 1, 1)
    # A refusal (already used) changes no count and pushes nothing.
    await database_sync_to_async(services.scan_ticket)(
        manager=manager, qr=entry_ticket.qr_token, device_id="g"
    )
    assert await communicator.receive_nothing(timeout=0.3)
    await communicator.disconnect()


async def test_a_device_listens_with_its_token_as_a_subprotocol_until_revoked(
    manager, entry_ticket, entry_type
):
    device, token = await database_sync_to_async(_pair)(entry_type.campaign, manager)

    communicator, connected, subprotocol = await _connect(
        entry_type.campaign_id, subprotocols=["tickets.door", f"device-token.{token}"]
    )

    assert (connected, subprotocol) == (True, "tickets.door")
    assert await communicator.receive_json_from() == _counts(entry_type, 0, 1)
    await database_sync_to_async(services.device_revoke)(device=device, user=manager)
    assert await communicator.receive_output(timeout=2) == {"type": "websocket.close", "code": 4401}


async def test_the_seller_listens_too(campaign, entry_type):
    seller = await database_sync_to_async(SellerFactory)()
    campaign.seller = seller
    await database_sync_to_async(campaign.save)(update_fields=["seller"])

    communicator, connected, _ = await _connect(campaign.pk, user=seller)

    assert connected
    await communicator.disconnect()


async def test_nobody_else_listens(manager, other_manager, campaign, entry_type):
    other = await database_sync_to_async(CampaignFactory)()
    _, foreign_token = await database_sync_to_async(_pair)(other, manager)
    device, revoked_token = await database_sync_to_async(_pair)(campaign, manager)
    await database_sync_to_async(services.device_revoke)(device=device, user=manager)

    attempts = [
        {"user": other_manager},
        {"user": await database_sync_to_async(SellerFactory)()},
        {},
        {"subprotocols": ["tickets.door", f"device-token.{foreign_token}"]},
        {"subprotocols": ["tickets.door", f"device-token.{revoked_token}"]},
        {"subprotocols": ["tickets.door", "device-token.forged"]},
    ]
    for attempt in attempts:
        communicator, connected, _ = await _connect(campaign.pk, **attempt)
        assert not connected, attempt
