"""Page routes of the validation app."""

from django.urls import path

from validation import views

urlpatterns = [
    path("scan/", views.scanner, name="scanner"),
    path("scan/sw.js", views.scanner_service_worker, name="scanner-service-worker"),
    path("scan/manifest.webmanifest", views.scanner_manifest, name="scanner-manifest"),
    path(
        "seller/campaigns/<int:pk>/scans/",
        views.seller_campaign_scans,
        name="seller-campaign-scans",
    ),
]
