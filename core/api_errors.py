"""The API's one error shape: `{"code", "detail"}`, plus `fields` for validation errors.

A domain error gets its status here, from the kind it derives from (core.errors).
"""

from django.core.exceptions import PermissionDenied
from django.db import OperationalError
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core import errors
from core.locking import LockTimeout, lock_wait_ran_out

# The first kind a domain error derives from gives its status; any other kind is a 400.
STATUS_OF_KIND = (
    (errors.Unauthenticated, 401),
    (errors.NotPermitted, 403),
    (errors.NotFound, 404),
    (errors.Conflict, 409),
    (errors.Unprocessable, 422),
    (errors.RateLimited, 429),
    (errors.UpstreamRefused, 502),
    (errors.Unavailable, 503),
)


@csrf_exempt
def api_not_found(request, *args, **kwargs):
    """Unknown API paths answer JSON for every method: not the HTML 404 page, and not the
    CSRF refusal a POST would otherwise meet before reaching here."""
    return JsonResponse(
        {"code": "not_found", "detail": "No API endpoint at this path."}, status=404
    )


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
    if isinstance(exc, OperationalError) and lock_wait_ran_out(exc):
        exc = LockTimeout()
    if isinstance(exc, errors.DomainError):
        status = next((code for kind, code in STATUS_OF_KIND if isinstance(exc, kind)), 400)
        retry_after = getattr(exc, "retry_after", None)
        return Response(
            {"code": exc.code, "detail": exc.detail, **exc.extra},
            status=status,
            headers={"Retry-After": str(retry_after)} if retry_after else None,
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
