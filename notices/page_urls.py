"""Page routes of the notices app."""

from django.urls import path

from notices import views

urlpatterns = [
    path(
        "seller/campaigns/<int:pk>/message/",
        views.campaign_message,
        name="seller-campaign-message",
    ),
]
