"""The request guard: input that no parser, serializer or database here can represent is
refused with a 4xx `{"code", "detail"}` before any view runs.

It sits in the middleware chain, so it covers the third-party views mounted under our URLs
(allauth headless, the gateway webhook) as well as ours. It refuses:

- NUL in the path, the query string or a header (PostgreSQL text cannot hold it);
- a body over `DATA_UPLOAD_MAX_MEMORY_SIZE` bytes (413);
- under the API prefixes, a body that is not `application/json` (415);
- a JSON body that is not UTF-8, not JSON, nested deeper than `MAX_JSON_DEPTH`, or that
  spells NUL or a lone UTF-16 surrogate in a string or key (`\\u0000`, `\\ud800`), or a
  number beyond a double (`1e400`) or Python's 4,300-digit integer limit.

A JSON body is parsed once: DRF's parser (core.parsers.GuardedJSONParser) takes the guard's
result. Nothing here imports DRF: services check JSON they receive with `load_json`.
Unhandled errors under the API prefixes render as JSON too (`bad_request`, `server_error`).
"""

import json
import math
import re

from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.views import defaults

from core import limits

API_PREFIXES = ("/api/", "/_allauth/")
# NUL, which PostgreSQL text and JSONB refuse, and UTF-16 surrogates, which have no UTF-8
# encoding: JSON can still spell both as escapes (`\u0000`, a lone `\ud800`).
UNREPRESENTABLE = re.compile("[\x00\ud800-\udfff]")
# The HttpRequest attribute holding the guard's parse of a JSON body.
PARSED_JSON = "guarded_json"


class Refused(Exception):
    """A request the guard will not pass on: rendered as `{"code", "detail"}`."""

    def __init__(self, status: int, code: str, detail: str):
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail

    def response(self) -> JsonResponse:
        return JsonResponse({"code": self.code, "detail": self.detail}, status=self.status)


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIXES)


def _too_deep() -> Refused:
    depth = limits.max_json_depth()
    return Refused(400, "nesting_too_deep", f"JSON may nest arrays and objects {depth} deep.")


def _too_large(limit: int) -> Refused:
    return Refused(413, "request_too_large", f"Bodies are limited to {limit} bytes.")


def _unrepresentable(where: str) -> Refused:
    return Refused(
        400,
        "invalid_characters",
        f"{where} contains a NUL character or a lone UTF-16 surrogate, which cannot be stored.",
    )


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise Refused(400, "number_out_of_range", f"The number {text[:40]} is out of range.")
    return number


def _no_constants(name: str):
    raise Refused(400, "parse_error", f"JSON parse error - {name} is not a JSON value.")


def _check(value, depth: int, max_depth: int) -> None:
    """Depth and text of a parsed value; numbers were checked while parsing."""
    if isinstance(value, str):
        if UNREPRESENTABLE.search(value):
            raise _unrepresentable("A string")
    elif isinstance(value, dict):
        if depth > max_depth:
            raise _too_deep()
        for key, item in value.items():
            if UNREPRESENTABLE.search(key):
                raise _unrepresentable("A key")
            _check(item, depth + 1, max_depth)
    elif isinstance(value, list):
        if depth > max_depth:
            raise _too_deep()
        for item in value:
            _check(item, depth + 1, max_depth)


def load_json(body: bytes | str):
    """The JSON value of `body` under the guard's rules; raises Refused otherwise."""
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError:
            raise Refused(400, "parse_error", "The body is not valid UTF-8.") from None
    max_depth = limits.max_json_depth()
    try:
        value = json.loads(body, parse_float=_finite_float, parse_constant=_no_constants)
        # Only an escape (or, in text handed over as str, the character itself) can put NUL
        # or a surrogate in a value, and fewer brackets than the limit cannot nest deeper:
        # most bodies need no walk (scripts/bench_guard.py).
        if (
            "\\u" in body
            or UNREPRESENTABLE.search(body)
            or body.count("[") + body.count("{") > max_depth
        ):
            _check(value, 1, max_depth)
    except RecursionError:  # deeper than the interpreter's stack, whatever the setting
        raise _too_deep() from None
    except json.JSONDecodeError as exc:
        raise Refused(400, "parse_error", f"JSON parse error - {exc}") from None
    except ValueError:  # an integer past Python's digit limit (sys.get_int_max_str_digits)
        raise Refused(400, "number_out_of_range", "A number in the body is too long.") from None
    return value


def _is_json(content_type: str) -> bool:
    content_type = content_type.lower()
    return content_type == "application/json" or (
        content_type.startswith("application/") and content_type.endswith("+json")
    )


class RequestGuardMiddleware:
    """Refuses what core.request_guard describes; runs before sessions, auth and views."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            self.check(request)
        except Refused as refusal:
            return refusal.response()
        return self.get_response(request)

    @staticmethod
    def check(request) -> None:
        if UNREPRESENTABLE.search(request.path):
            raise _unrepresentable("The path")
        if "%00" in request.META.get("QUERY_STRING", ""):
            raise _unrepresentable("The query string")
        for key, value in request.META.items():
            if key.startswith("HTTP_") and "\x00" in value:
                raise _unrepresentable(f"The {key[5:].replace('_', '-').title()} header")
        limit = limits.max_body_bytes()
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise Refused(400, "bad_request", "Content-Length is not a number.") from None
        if declared > limit:
            raise _too_large(limit)
        is_json = _is_json(request.content_type or "")
        if not (is_json or is_api_path(request.path_info)):
            return  # a page's form: Django's own limits apply when it is read
        try:
            body = request.body  # Django measures a body that declared no length
        except RequestDataTooBig:
            raise _too_large(limit) from None
        if not body:
            return
        if not is_json:
            raise Refused(
                415,
                "unsupported_media_type",
                f'Send JSON with "Content-Type: application/json", not "{request.content_type}".',
            )
        setattr(request, PARSED_JSON, load_json(body))


class GuardedJSONDecoder(json.JSONDecoder):
    """For Django form JSON fields (`forms.JSONField(decoder=...)`): the same rules, a
    refusal shown as the field's "Enter a valid JSON." error."""

    def decode(self, s, *args):
        try:
            return load_json(s)
        except Refused as refusal:
            raise json.JSONDecodeError(refusal.detail, s, 0) from None


def _api_or_page(page_handler, status: int, code: str, detail: str):
    """A Django error handler: JSON under the API prefixes, `page_handler` elsewhere."""

    def handler(request, *args, **kwargs):
        if is_api_path(request.path_info):
            return JsonResponse({"code": code, "detail": detail}, status=status)
        return page_handler(request, *args, **kwargs)

    return handler


# Django's error handlers (config.urls): what escapes a view under the API prefixes keeps the
# API's error shape, never an HTML page or a stack trace.
bad_request = _api_or_page(
    defaults.bad_request, 400, "bad_request", "The request could not be understood."
)
server_error = _api_or_page(
    defaults.server_error,
    500,
    "server_error",
    "Something went wrong on our side; it has been logged. Please try again.",
)
