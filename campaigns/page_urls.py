"""Page routes of the campaigns app."""

from django.urls import path

from campaigns import views

urlpatterns = [
    path("", views.home, name="home"),
    path("campaigns/<slug:slug>/", views.campaign_detail, name="campaign-detail"),
    path("campaigns/<slug:slug>/calendar.ics", views.campaign_calendar, name="campaign-calendar"),
    path("seller/", views.seller_dashboard, name="seller-dashboard"),
    path("seller/campaigns/new/", views.campaign_edit, name="seller-campaign-new"),
    path("seller/campaigns/<int:pk>/edit/", views.campaign_edit, name="seller-campaign-edit"),
    path(
        "seller/campaigns/<int:pk>/publish/",
        views.campaign_publish,
        name="seller-campaign-publish",
    ),
    path(
        "seller/campaigns/<int:pk>/managers/",
        views.campaign_managers,
        name="seller-campaign-managers",
    ),
    path("invitations/", views.my_invitations, name="manager-invitations"),
    path(
        "invitations/<int:pk>/accept/",
        views.invitation_answer,
        {"answer": "accept"},
        name="manager-invitation-accept",
    ),
    path(
        "invitations/<int:pk>/decline/",
        views.invitation_answer,
        {"answer": "decline"},
        name="manager-invitation-decline",
    ),
]
