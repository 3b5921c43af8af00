"""Websocket routes of every app."""

from django.urls import path

from campaigns.consumers import AvailabilityConsumer

websocket_urlpatterns: list = [
    path("ws/campaigns/<int:campaign_id>/", AvailabilityConsumer.as_asgi()),
]
