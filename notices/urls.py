"""API routes of the notices app, mounted under /api/v1/."""

from django.urls import path

from notices import api

urlpatterns = [
    path(
        "campaigns/<int:pk>/messages/",
        api.CampaignMessages.as_view(),
        name="api-campaign-messages",
    ),
]
