"""Page routes of the validation app."""

from django.urls import path

from validation import views

urlpatterns = [
    path("scan/", views.scanner, name="scanner"),
    path(
        "seller/campaigns/<int:pk>/scans/",
        views.seller_campaign_scans,
        name="seller-campaign-scans",
    ),
]
