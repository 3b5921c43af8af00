"""Websocket of a campaign's live availability, at /ws/campaigns/{id}/."""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from campaigns import live, selectors
from campaigns.models import Campaign


def _can_watch(campaign_id: int, user) -> bool:
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    return campaign is not None and selectors.campaign_is_visible(campaign=campaign, user=user)


class AvailabilityConsumer(AsyncWebsocketConsumer):
    """Sends the availability on connect, then the frames of its process's hub
    (campaigns.live): no channel layer, one subscription per process."""

    channel_layer_alias = None  # the hub delivers; no per-client channel

    async def connect(self):
        self.campaign_id = int(self.scope["url_route"]["kwargs"]["campaign_id"])
        self.hub = None
        self.sending = False
        self.pending: str | None = None
        if not await database_sync_to_async(_can_watch)(self.campaign_id, self.scope.get("user")):
            await self.close()
            return
        await self.accept()
        self.hub = live.hub()
        self.hub.join(self.campaign_id, self)
        await self.push(await self.hub.current_frame(self.campaign_id))

    async def disconnect(self, code):
        if self.hub is not None:
            self.hub.leave(self.campaign_id, self)

    async def receive(self, text_data=None, bytes_data=None):
        """Clients only listen; anything they send is ignored."""

    async def push(self, text: str) -> None:
        """Send a frame; while one is still being written to a slow client, only the latest
        of those arriving meanwhile follows it."""
        if self.sending:
            self.pending = text
            return
        self.sending = True
        try:
            while text is not None:
                await self.send(text_data=text)
                text, self.pending = self.pending, None
        finally:
            self.sending = False
