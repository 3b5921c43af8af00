"""Websocket of a campaign's live availability, at /ws/campaigns/{id}/."""

import asyncio

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from campaigns import live, selectors
from campaigns.models import Campaign


def _can_watch(campaign_id: int, user) -> bool:
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    return campaign is not None and selectors.campaign_is_visible(campaign=campaign, user=user)


class AvailabilityConsumer(AsyncJsonWebsocketConsumer):
    """Sends the availability on connect, then after changes: at most one frame per
    `live.CLIENT_FRAME_INTERVAL`, the last one always carrying the latest state."""

    async def connect(self):
        self.campaign_id = int(self.scope["url_route"]["kwargs"]["campaign_id"])
        self.group = None
        self.latest: list[dict] = []
        self.last_sent = float("-inf")
        self.trailing: asyncio.Task | None = None
        if not await database_sync_to_async(_can_watch)(self.campaign_id, self.scope.get("user")):
            await self.close()
            return
        self.group = live.group_name(self.campaign_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        snapshot = await database_sync_to_async(live.availability_snapshot)(self.campaign_id)
        await self._send(snapshot)

    async def disconnect(self, code):
        if self.trailing is not None:
            self.trailing.cancel()
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        """Clients only listen; anything they send is ignored."""

    async def availability_update(self, event):
        self.latest = event["ticket_types"]
        if self.trailing is not None:
            return
        wait = self.last_sent + live.CLIENT_FRAME_INTERVAL - asyncio.get_running_loop().time()
        if wait <= 0:
            await self._send(self.latest)
        else:
            self.trailing = asyncio.create_task(self._send_later(wait))

    async def _send_later(self, delay: float):
        await asyncio.sleep(delay)
        self.trailing = None
        await self._send(self.latest)

    async def _send(self, ticket_types: list[dict]):
        self.last_sent = asyncio.get_running_loop().time()
        await self.send_json({"type": "availability", "ticket_types": ticket_types})
