"""Prometheus metrics: what the apps count, request latency, Celery task trouble, GET /metrics.

Production runs several processes (uvicorn workers, Celery workers), and a scrape reaches
one of them, so counts must be shared. With `PROMETHEUS_MULTIPROC_DIR` set, prometheus-client's
multiprocess mode keeps every process's values in memory-mapped files in that directory and
the scrape sums them (`MultiProcessCollector`); an increment stays a local memory write, with
no network round trip on the booking path. Without it (development, tests) the one process's
registry is served as it is. README, Operations: metrics, says how to set the directory up.
"""

import hmac
import ipaddress
import logging
import os
import re
import socket
import time
from collections.abc import Callable
from functools import partial

from celery.signals import task_failure, task_retry
from django.conf import settings
from django.db import transaction
from django.http import JsonResponse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from prometheus_client import CollectorRegistry, Counter, Histogram, values
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.django import PrometheusDjangoView
from prometheus_client.multiprocess import MultiProcessCollector

from core.http import client_ip

logger = logging.getLogger(__name__)

MULTIPROCESS_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
# Only methods HTTP defines get their own series: a client cannot mint new ones.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

if MULTIPROCESS_DIR:
    # Each process writes files named after its identifier. The web and worker containers
    # share the directory but not a pid namespace, so a pid alone would collide (both run
    # pids 1, 7, 8...) and two processes would overwrite one file: the host name makes the
    # identifier unique. It holds no "_", which prometheus-client uses to split file names.
    _HOST = re.sub(r"[^A-Za-z0-9.-]", "-", socket.gethostname())
    os.makedirs(MULTIPROCESS_DIR, exist_ok=True)
    values.ValueClass = values.MultiProcessValue(lambda: f"{_HOST}-{os.getpid()}")

# Our metrics only; in multiprocess mode the scrape reads the files instead.
registry = CollectorRegistry()

REQUEST_LATENCY = Histogram(
    "tickets_http_request_duration_seconds",
    "Time to answer an HTTP request, by URL pattern, method and status class.",
    ["route", "method", "status"],
    buckets=LATENCY_BUCKETS,
    registry=registry,
)
BOOKINGS = Counter(
    "tickets_bookings",
    "Booking outcomes: created (seats held), sold_out (refused), expired, cancelled, "
    "confirmed, refunded.",
    ["outcome"],
    registry=registry,
)
PAYMENT_VERIFICATIONS = Counter(
    "tickets_payment_verifications",
    "Payments checked with the gateway, by outcome and by what reported them.",
    ["outcome", "source"],
    registry=registry,
)
WEBHOOKS = Counter(
    "tickets_webhooks",
    "Payment gateway webhooks by signature check: verified, duplicate, invalid (signed, "
    "unreadable body), forged (wrong signature), unsigned.",
    ["outcome"],
    registry=registry,
)
SCANS = Counter(
    "tickets_scans",
    "Door scans recorded, by result and by mode (online, offline).",
    ["result", "mode"],
    registry=registry,
)
TASK_FAILURES = Counter(
    "tickets_celery_task_failures",
    "Celery task runs that ended in an exception, by task.",
    ["task"],
    registry=registry,
)
TASK_RETRIES = Counter(
    "tickets_celery_task_retries",
    "Celery task runs that asked to be retried, by task.",
    ["task"],
    registry=registry,
)


def count_on_commit(counter: Counter, /, amount: int = 1, **labels: str) -> None:
    """Count once the current transaction commits, at once outside one: an outcome that
    rolls back never happened."""
    if amount:
        transaction.on_commit(partial(counter.labels(**labels).inc, amount))


# --- Values read when Prometheus scrapes ----------------------------------------------------


class _ScrapeGauge:
    """A gauge whose value is read at scrape time, in the scraping process."""

    def __init__(self, name: str, documentation: str, read: Callable[[], float]):
        self.name, self.documentation, self.read = name, documentation, read

    def collect(self):
        try:
            value = self.read()
        except Exception:  # one unreadable value must not cost ops every other metric
            logger.exception("Metric %s could not be read", self.name)
            return
        yield GaugeMetricFamily(self.name, self.documentation, value=value)


_scrape_gauges: list[_ScrapeGauge] = []


def gauge_at_scrape(name: str, documentation: str, read: Callable[[], float]) -> None:
    """Serve `read()` as a gauge computed on each scrape (an app registers it in `ready`).

    For states, not events: `read` should be one cheap indexed query.
    """
    _scrape_gauges.append(_ScrapeGauge(name, documentation, read))


def scrape_registry() -> CollectorRegistry:
    """What a scrape reports: every process's counts, then the scrape-time gauges."""
    scrape = CollectorRegistry()
    if MULTIPROCESS_DIR:
        MultiProcessCollector(scrape, path=MULTIPROCESS_DIR)
    else:
        scrape.register(registry)
    for gauge in _scrape_gauges:
        scrape.register(gauge)
    return scrape


# --- Request latency ------------------------------------------------------------------------


class RequestMetricsMiddleware:
    """Observes each request's duration under its URL pattern, never the raw path, so that
    ids in paths cannot multiply the series."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = request.resolver_match
        REQUEST_LATENCY.labels(
            route=f"/{match.route}" if match is not None else "unmatched",
            method=request.method if request.method in METHODS else "other",
            status=f"{response.status_code // 100}xx",
        ).observe(time.perf_counter() - started)
        return response


# --- Celery ---------------------------------------------------------------------------------


def _count_task_failure(sender=None, **kwargs) -> None:
    TASK_FAILURES.labels(task=sender.name).inc()


def _count_task_retry(sender=None, **kwargs) -> None:
    TASK_RETRIES.labels(task=sender.name).inc()


def count_celery_task_problems() -> None:
    """Count task failures and retries where they happen: in the worker running the task."""
    task_failure.connect(_count_task_failure, weak=False, dispatch_uid="metrics.task_failure")
    task_retry.connect(_count_task_retry, weak=False, dispatch_uid="metrics.task_retry")


# --- GET /metrics ---------------------------------------------------------------------------


def _error(status: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse({"code": code, "detail": detail}, status=status)


def _is_internal(address: str | None) -> bool:
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback or ip.is_private


def _refusal(request) -> JsonResponse | None:
    """With METRICS_TOKEN set, its bearer token is required from everyone; without it, only
    loopback and private addresses are answered."""
    token = settings.METRICS_TOKEN
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            given.strip().encode(), token.encode()
        ):
            return None
        response = _error(401, "not_authenticated", "Send Authorization: Bearer <METRICS_TOKEN>.")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    if _is_internal(client_ip(request)):
        return None
    return _error(
        403,
        "permission_denied",
        "Metrics are served to internal addresses only, unless METRICS_TOKEN is set.",
    )


@method_decorator(never_cache, name="dispatch")
class MetricsView(PrometheusDjangoView):
    """Prometheus text (or OpenMetrics when asked for), rendered by prometheus-client."""

    def dispatch(self, request, *args, **kwargs):
        refusal = _refusal(request)
        if refusal is not None:
            return refusal
        self.registry = scrape_registry()
        return super().dispatch(request, *args, **kwargs)

    def http_method_not_allowed(self, request, *args, **kwargs):
        response = _error(405, "method_not_allowed", f"{request.method} is not allowed here.")
        response["Allow"] = "GET, HEAD, OPTIONS"
        return response


metrics_view = MetricsView.as_view()
