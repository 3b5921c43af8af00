"""API routes of the validation app, mounted under /api/v1/."""

from django.urls import path

from validation import api

urlpatterns = [
    path("validation/scan/", api.ScanView.as_view(), name="api-validation-scan"),
    path("validation/sync/", api.SyncView.as_view(), name="api-validation-sync"),
    path(
        "validation/ticket/<int:pk>/",
        api.TicketStatusView.as_view(),
        name="api-validation-ticket",
    ),
    path(
        "validation/campaigns/<int:pk>/offline-bundle/",
        api.OfflineBundleView.as_view(),
        name="api-validation-offline-bundle",
    ),
    path(
        "validation/campaigns/<int:pk>/conflicts/",
        api.ConflictListView.as_view(),
        name="api-validation-conflicts",
    ),
    path(
        "validation/campaigns/<int:pk>/checkins/",
        api.CheckinView.as_view(),
        name="api-validation-checkins",
    ),
    path(
        "validation/campaigns/<int:pk>/devices/",
        api.DeviceListView.as_view(),
        name="api-validation-devices",
    ),
    path("validation/devices/pair/", api.DevicePairView.as_view(), name="api-validation-pair"),
    path(
        "validation/devices/<int:pk>/",
        api.DeviceRevokeView.as_view(),
        name="api-validation-device",
    ),
]
