"""The API's one error shape: `{"code", "detail"}`, plus `fields` for validation errors."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import DomainError


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
