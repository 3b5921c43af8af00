"""API routes of the accounts app, mounted under /api/v1/."""

from django.urls import path

from accounts import api

urlpatterns = [
    path("auth/google/", api.GoogleLoginView.as_view(), name="api-google-login"),
    path("auth/logout/", api.LogoutView.as_view(), name="api-logout"),
    path("auth/profile/", api.ProfileView.as_view(), name="api-profile"),
    path("auth/apply-seller/", api.ApplySellerView.as_view(), name="api-apply-seller"),
    path(
        "admin/seller-applications/",
        api.SellerApplicationAdminList.as_view(),
        name="api-seller-applications",
    ),
    path(
        "admin/seller-applications/<int:pk>/approve/",
        api.SellerApplicationApprove.as_view(),
        name="api-seller-application-approve",
    ),
    path(
        "admin/seller-applications/<int:pk>/reject/",
        api.SellerApplicationReject.as_view(),
        name="api-seller-application-reject",
    ),
    path("admin/audit-events/", api.AuditEventList.as_view(), name="api-audit-events"),
]
