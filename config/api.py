"""DRF plumbing shared by every app: error shape, pagination, throttling, JSON 404s."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import exception_handler as drf_exception_handler

from config.errors import DomainError


def _first_message(fields) -> str:
    """The first human-readable message of a nested DRF error structure."""
    if isinstance(fields, dict):
        for value in fields.values():
            return _first_message(value)
    if isinstance(fields, list) and fields:
        return _first_message(fields[0])
    return str(fields)


def exception_handler(exc, context):
    """Render every API error as `{"code", "detail"}`, adding `fields` for validation."""
    if isinstance(exc, DomainError):
        return Response(
            {"code": exc.code, "detail": exc.detail, **exc.extra}, status=exc.status_code
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = {
            "code": "invalid",
            "detail": _first_message(fields),
            "fields": fields,
        }
    else:
        codes = exc.get_codes()
        response.data = {
            "code": codes if isinstance(codes, str) else "error",
            "detail": str(exc.detail),
        }
    return response


def api_not_found(request, *args, **kwargs):
    """Unknown paths under /api/ answer JSON, not the HTML 404 page."""
    return JsonResponse(
        {"code": "not_found", "detail": "No API endpoint at this path."},
        status=status.HTTP_404_NOT_FOUND,
    )


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 100


class ScopedOrDefaultThrottle(SimpleRateThrottle):
    """One throttle for every view: its `throttle_scope` when set, else `user` or `anon`.

    Counted per user when signed in, per client IP otherwise, in the default cache
    (Redis in deployments, so every app process shares the counters).
    """

    def __init__(self):
        # The rate depends on the view, so it is resolved per request in allow_request.
        pass

    def allow_request(self, request, view):
        self.scope = getattr(view, "throttle_scope", None) or (
            "user" if request.user and request.user.is_authenticated else "anon"
        )
        # Read the rates on each request so settings overrides (tests, reloads) apply.
        self.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            ident = f"u{request.user.pk}"
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
