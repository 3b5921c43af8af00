"""API routes of the campaigns app, mounted under /api/v1/."""

from django.urls import path

from campaigns import api

urlpatterns = [
    path("campaigns/", api.CampaignListCreate.as_view(), name="api-campaigns"),
    path("campaigns/mine/", api.CampaignMine.as_view(), name="api-campaigns-mine"),
    path("campaigns/<int:pk>/", api.CampaignDetail.as_view(), name="api-campaign"),
    path("campaigns/<int:pk>/publish/", api.CampaignPublish.as_view(), name="api-campaign-publish"),
    path(
        "campaigns/<int:pk>/availability/",
        api.CampaignAvailability.as_view(),
        name="api-campaign-availability",
    ),
    path(
        "campaigns/<int:pk>/managers/",
        api.CampaignManagers.as_view(),
        name="api-campaign-managers",
    ),
]
