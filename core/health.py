"""GET /health: database, cache and broker, each with a short timeout."""

import time

from django.conf import settings
from django.core.cache import cache, caches
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe
from kombu import Connection


def _timed(check) -> dict:
    started = time.perf_counter()
    try:
        detail = check()
    except Exception as exc:  # any failure of a dependency is a health result, not a 500
        return {"status": "error", "error": f"{type(exc).__name__}: {exc}"[:300]}
    result = {"status": "ok", "ms": round((time.perf_counter() - started) * 1000, 1)}
    if detail:
        result["detail"] = detail
    return result


def _database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return connection.vendor


def _cache():
    cache.set("health:ping", "pong", timeout=10)
    if cache.get("health:ping") != "pong":
        raise RuntimeError("value written to the cache was not read back")
    return caches["default"].__class__.__name__


def _broker():
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "tasks run in-process"
    with Connection(settings.CELERY_BROKER_URL, connect_timeout=2) as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return conn.transport_cls


# Probes may send HEAD; any other method is 405, not the CSRF refusal page it would meet
# first (the check reads only, so there is nothing to forge).
@csrf_exempt
@never_cache
@require_safe
def health(request):
    checks = {"database": _timed(_database), "cache": _timed(_cache), "broker": _timed(_broker)}
    failing = [name for name, result in checks.items() if result["status"] != "ok"]
    body = {"status": "error" if failing else "ok", "checks": checks}
    if failing:
        body["failing"] = failing
    return JsonResponse(body, status=503 if failing else 200)
