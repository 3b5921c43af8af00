"""Request logging (one structured line per request) and budgets for non-DRF paths."""

import logging
import re
import time
import uuid

from django.conf import settings
from django.http import JsonResponse
from rest_framework.exceptions import Throttled
from rest_framework.settings import api_settings

from core.http import client_ip
from core.logging import request_id_var
from core.ratelimit import rate_limit_take

logger = logging.getLogger("requests")

_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")


class RequestLogMiddleware:
    """Takes `X-Request-ID` from the client (or makes one), echoes it, logs the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            user = getattr(request, "user", None)
            logger.info(
                "request",
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    "user_id": user.pk if user is not None and user.is_authenticated else None,
                    "ip": client_ip(request),
                },
            )
            return response
        finally:
            request_id_var.reset(token)


class PathThrottleMiddleware:
    """Throttles the paths of THROTTLED_PATHS (`{path: scope}`) per client address.

    For endpoints that are not DRF views (allauth's Google sign-in start and the mobile
    token exchange): the same counter and rates as the API's throttles, the same 429 body
    and Retry-After, answered before the session is loaded or the view runs.
    """

    timer = time.time

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        scope = settings.THROTTLED_PATHS.get(request.path_info)
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(scope) if scope else None
        if rate:
            seconds_left = rate_limit_take(
                scope=scope,
                ident=client_ip(request) or "unknown",
                rate=rate,
                now=self.timer(),
                request=request,
            )
            if seconds_left is not None:
                return JsonResponse(
                    {"code": "throttled", "detail": str(Throttled(seconds_left).detail)},
                    status=429,
                    headers={"Retry-After": str(seconds_left)},
                )
        return self.get_response(request)
