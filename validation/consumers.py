"""Websocket of a campaign's door, at /ws/validation/campaigns/{id}/door/: live check-in counts.

Who may listen: the campaign's seller and assigned managers, signed in by session cookie,
and its paired devices. A browser cannot set headers on a websocket, so a device offers two
subprotocols, `tickets.door` and `device-token.<its token>`
(`new WebSocket(url, ["tickets.door", "device-token." + token])`); the server answers with
`tickets.door` and never echoes the token. Anyone else is closed before the handshake
completes. Frames: `{"type": "counts", "counts": [{ticket_type, ticket_type_name,
checked_in, sold}]}` on connect and after every admission. A revoked device's socket is closed
(code 4401).
"""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from validation import live, selectors, services

SUBPROTOCOL = "tickets.door"
TOKEN_PREFIX = "device-token."
REVOKED_CLOSE_CODE = 4401


def _listener(campaign_id: int, user, token: str | None) -> tuple[bool, int | None]:
    """(may listen, device id) for a session user or a device token."""
    if token is not None:
        device = services.device_for_token(token)
        usable = device is not None and device.revoked_at is None and device.pairer_on_door
        if not usable or device.campaign_id != campaign_id:
            return False, None
        return True, device.pk
    if user is None or not user.is_authenticated:
        return False, None
    return selectors.campaigns_of_door_staff(user=user).filter(pk=campaign_id).exists(), None


class DoorConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        self.campaign_id = int(self.scope["url_route"]["kwargs"]["campaign_id"])
        self.group = None
        offered = self.scope.get("subprotocols") or []
        token = next((p[len(TOKEN_PREFIX) :] for p in offered if p.startswith(TOKEN_PREFIX)), None)
        allowed, self.device_id = await database_sync_to_async(_listener)(
            self.campaign_id, self.scope.get("user"), token
        )
        if not allowed:
            await self.close()
            return
        self.group = live.group_name(self.campaign_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept(subprotocol=SUBPROTOCOL if SUBPROTOCOL in offered else None)
        counts = await database_sync_to_async(selectors.door_counts)(campaign_id=self.campaign_id)
        await self.send_json({"type": "counts", "counts": counts})

    async def disconnect(self, code):
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        """Listeners only listen; anything they send is ignored."""

    async def door_counts(self, event):
        await self.send_json({"type": "counts", "counts": event["counts"]})

    async def door_device_revoked(self, event):
        if self.device_id is not None and event["device"] == self.device_id:
            await self.close(code=REVOKED_CLOSE_CODE)
