"""The API's one error shape: `{"code", "detail"}`, plus `fields` for validation errors.

Domain errors (core.errors) get their HTTP status here, from their kind; DRF's own errors
keep theirs.
"""

from django.core.exceptions import PermissionDenied
from django.db import OperationalError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import (
    Conflict,
    DomainError,
    NotFound,
    NotPermitted,
    Unauthenticated,
    Unavailable,
    Unprocessable,
    UpstreamRefused,
)
from core.locking import LockTimeout, lock_wait_ran_out

# Checked in order: the first kind an error derives from gives its status; any other is 400.
STATUS_OF_KIND = (
    (Unauthenticated, status.HTTP_401_UNAUTHORIZED),
    (NotPermitted, status.HTTP_403_FORBIDDEN),
    (NotFound, status.HTTP_404_NOT_FOUND),
    (Conflict, status.HTTP_409_CONFLICT),
    (Unprocessable, status.HTTP_422_UNPROCESSABLE_ENTITY),
    (UpstreamRefused, status.HTTP_502_BAD_GATEWAY),
    (Unavailable, status.HTTP_503_SERVICE_UNAVAILABLE),
)


def status_of(error: DomainError) -> int:
    for kind, code in STATUS_OF_KIND:
        if isinstance(error, kind):
            return code
    return status.HTTP_400_BAD_REQUEST


def api_not_found(request, *args, **kwargs):
    """Unknown paths under /api/ answer JSON, not the HTML 404 page."""
    return JsonResponse(
        {"code": "not_found", "detail": "No API endpoint at this path."},
        status=status.HTTP_404_NOT_FOUND,
    )


def _first_message(fields) -> str:
    """The first human-readable message of a nested DRF error structure."""
    if isinstance(fields, dict):
        for value in fields.values():
            return _first_message(value)
    if isinstance(fields, list) and fields:
        return _first_message(fields[0])
    return str(fields)


def _domain_response(error: DomainError) -> Response:
    retry_after = getattr(error, "retry_after", None)
    return Response(
        {"code": error.code, "detail": error.detail, **error.extra},
        status=status_of(error),
        headers={"Retry-After": str(retry_after)} if retry_after else None,
    )


def exception_handler(exc, context):
    """Render every API error as `{"code", "detail"}`, adding `fields` for validation."""
    if isinstance(exc, OperationalError) and lock_wait_ran_out(exc):
        exc = LockTimeout()
    if isinstance(exc, DomainError):
        return _domain_response(exc)
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
