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
]
