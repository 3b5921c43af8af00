"""API plumbing: one error shape, JSON 404/405, throttling, request ids, schema and docs."""

import json
import logging

import pytest
from django.core.cache import cache, caches
from django.test import Client, override_settings
from rest_framework.settings import api_settings

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete", "options"])
@pytest.mark.parametrize("path", ["/api/v1/no-such-thing/", "/api/v2/x", "/_allauth/nothing"])
def test_unknown_api_paths_are_json_404_for_every_method(customer, method, path):
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer)  # a browser session: CSRF would refuse a POST before routing

    body = (
        {"data": "{}", "content_type": "application/json"}
        if method in ("post", "put", "patch", "delete")
        else {}
    )

    response = getattr(client, method)(path, **body)

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "No API endpoint at this path."}


def test_wrong_method_is_json_405(client_for, customer):
    response = client_for(customer).put("/api/v1/auth/profile/", {}, format="json")
    assert response.status_code == 405
    assert response.json() == {
        "code": "method_not_allowed",
        "detail": 'Method "PUT" not allowed.',
    }


def test_page_404_stays_html(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


FROZEN_NOW = 1_000_000_040.0  # 20 s into a one-minute window


@pytest.fixture
def tight_auth_rate(throttle_rates, throttle_clock):
    throttle_rates(auth="2/min")
    throttle_clock.now = FROZEN_NOW


def test_throttled_scope_answers_429_with_retry_after(client_for, customer, tight_auth_rate):
    client = client_for(customer)
    statuses = [client.get("/api/v1/auth/apply-seller/").status_code for _ in range(3)]

    assert statuses == [404, 404, 429]
    response = client.get("/api/v1/auth/apply-seller/")
    assert response.json()["code"] == "throttled"
    assert response["Retry-After"] == "40"
    # Other scopes keep their own budget.
    assert client.get("/api/v1/auth/profile/").status_code == 200


@pytest.mark.redis
def test_throttle_counters_live_in_redis(client_for, customer, tight_auth_rate):
    client_for(customer).get("/api/v1/auth/apply-seller/")

    raw = cache._cache.get_client()
    keys = [key.decode() for key in raw.keys("*throttle_auth_u*")]
    assert keys == [f":1:throttle_auth_u{customer.pk}:{int(FROZEN_NOW // 60)}"]
    assert caches["default"].__class__.__name__ == "SharedPoolRedisCache"


def test_request_id_is_echoed_and_logged(client, caplog):
    with caplog.at_level(logging.INFO, logger="requests"):
        response = client.get("/api/v1/auth/profile/", HTTP_X_REQUEST_ID="abc-123")

    assert response["X-Request-ID"] == "abc-123"
    record = next(r for r in caplog.records if r.name == "requests")
    assert (record.request_id, record.path, record.status) == (
        "abc-123",
        "/api/v1/auth/profile/",
        401,
    )
    assert record.duration_ms >= 0


def test_a_request_id_is_made_when_missing_or_unsafe(client):
    response = client.get("/health", HTTP_X_REQUEST_ID="bad id\nwith newline")
    assert len(response["X-Request-ID"]) == 32


def test_logs_are_json_lines_with_the_request_id():
    from pythonjsonlogger.json import JsonFormatter

    from core.logging import RequestIdFilter, request_id_var

    record = logging.LogRecord("requests", logging.INFO, __file__, 1, "request", None, None)
    token = request_id_var.set("rid-1")
    try:
        RequestIdFilter().filter(record)
    finally:
        request_id_var.reset(token)
    line = JsonFormatter("%(levelname)s %(name)s %(message)s %(request_id)s").format(record)
    assert json.loads(line) == {
        "levelname": "INFO",
        "name": "requests",
        "message": "request",
        "request_id": "rid-1",
    }


def test_schema_is_public_and_lists_the_contract_paths(api_client):
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    paths = set(json.loads(response.content)["paths"])
    assert {
        "/api/v1/auth/logout/",
        "/api/v1/auth/profile/",
        "/api/v1/auth/apply-seller/",
        "/api/v1/admin/seller-applications/",
        "/api/v1/admin/seller-applications/{id}/approve/",
        "/api/v1/admin/seller-applications/{id}/reject/",
        "/_allauth/app/v1/auth/provider/token",
        "/health",
    } <= paths
    assert "/api/v1/auth/google/" not in paths


def test_docs_page_serves_swagger_from_our_static_files(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert b"/static/drf_spectacular_sidecar/swagger-ui-dist/" in response.content


def test_home_page_renders(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"Sign in with Google" in response.content


@override_settings(DEBUG=True)
def test_demo_sign_in_lists_users_and_signs_in(client, customer):
    page = client.get("/demo-login/")
    response = client.post("/demo-login/", {"user": customer.pk, "next": "/"})

    assert page.status_code == 200
    assert customer.email.encode() in page.content
    assert response.status_code == 302
    assert client.get("/api/v1/auth/profile/").json()["email"] == customer.email


@override_settings(DEBUG=False)
def test_demo_sign_in_does_not_exist_without_debug(client, customer):
    assert client.get("/demo-login/").status_code == 404
    assert client.post("/demo-login/", {"user": customer.pk}).status_code == 404
    assert "_auth_user_id" not in client.session


def test_admin_password_login_is_locked_out_by_axes(client, settings):
    from tests.factories import SuperAdminFactory

    admin_user = SuperAdminFactory(email="ops@example.com")
    admin_user.set_password("the right password 42")
    admin_user.save()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/admin/login/", {"username": "ops@example.com", "password": "wrong"})

    locked = client.post(
        "/admin/login/", {"username": "ops@example.com", "password": "the right password 42"}
    )

    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_cache_is_cleared_between_tests():
    assert cache.get("throttle_auth_u1") is None


@pytest.mark.redis
def test_cache_objects_share_one_redis_client_and_pool():
    """Under ASGI Django makes a cache object per request context; they must share pools."""
    from django.conf import settings

    from core.cache import SharedPoolRedisCache

    first, second = (
        SharedPoolRedisCache(settings.CACHES["default"]["LOCATION"], settings.CACHES["default"])
        for _ in range(2)
    )
    first.set("shared", 1)

    assert second.get("shared") == 1
    assert first._cache is second._cache
    assert first._cache.get_client(write=True) is second._cache.get_client(write=True)


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)  # the threads record the trip on their own connections
def test_simultaneous_requests_never_exceed_the_rate(settings):
    """Twenty clients from one address at once, five allowed a minute: exactly five pass,
    and the trip is audited once."""
    import threading

    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory

    from accounts.models import AuditEvent
    from core.throttling import ScopedOrDefaultThrottle

    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "scan": "5/min",
        },
    }
    view = type("View", (), {"throttle_scope": "scan"})()
    start = threading.Barrier(20)
    allowed = []

    def client():
        request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.7")
        request.user = AnonymousUser()
        start.wait()
        allowed.append(ScopedOrDefaultThrottle().allow_request(request, view))

    threads = [threading.Thread(target=client) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    api_settings.reload()

    assert allowed.count(True) == 5
    assert list(AuditEvent.objects.values_list("action", "ip", "metadata__scope")) == [
        ("throttle.tripped", "203.0.113.7", "scan")
    ]
