"""Top-level routes: health, metrics, admin, allauth, the versioned API and its docs, the pages."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularSwaggerView

from core.api_errors import api_not_found
from core.health import health
from core.metrics import metrics_view
from core.schema import SchemaView

api_v1 = [
    path("", include("accounts.urls")),
    path("", include("campaigns.urls")),
    path("", include("payments.urls")),
    path("", include("bookings.urls")),
    path("", include("validation.urls")),
    path("", include("finance.urls")),
    path("", include("notices.urls")),
]

handler400 = "core.request_guard.bad_request"
handler500 = "core.request_guard.server_error"

urlpatterns = [
    path("health", health, name="health"),
    path("health/", health),
    path("metrics", metrics_view, name="metrics"),
    path("metrics/", metrics_view),
    path("admin/", admin.site.urls),
    path("favicon.ico", RedirectView.as_view(url=f"{settings.STATIC_URL}favicon.svg")),
    path("", include("accounts.page_urls")),  # before allauth: it guards allauth's Google views
    path("accounts/", include("allauth.urls")),
    path("_allauth/", include("allauth.headless.urls")),
    re_path(r"^_allauth/", api_not_found),
    path("api/schema/", SchemaView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/v1/", include(api_v1)),
    re_path(r"^api/", api_not_found),
    path("", include("campaigns.page_urls")),
    path("", include("bookings.page_urls")),
    path("", include("payments.page_urls")),
    path("", include("validation.page_urls")),
    path("", include("finance.page_urls")),
    path("", include("notices.page_urls")),
]
