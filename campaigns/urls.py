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
    # The invitee's side of manager invitations: under auth/ with the rest of "my account",
    # served here because accepting assigns a campaign.
    path("auth/invitations/", api.MyInvitations.as_view(), name="api-invitations"),
    path(
        "auth/invitations/<int:pk>/accept/",
        api.InvitationAccept.as_view(),
        name="api-invitation-accept",
    ),
    path(
        "auth/invitations/<int:pk>/decline/",
        api.InvitationDecline.as_view(),
        name="api-invitation-decline",
    ),
]
