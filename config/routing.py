"""Websocket routes of every app."""

from django.urls import path

from campaigns.consumers import AvailabilityConsumer
from validation.consumers import DoorConsumer

websocket_urlpatterns: list = [
    path("ws/campaigns/<int:campaign_id>/", AvailabilityConsumer.as_asgi()),
    path("ws/validation/campaigns/<int:campaign_id>/door/", DoorConsumer.as_asgi()),
]
