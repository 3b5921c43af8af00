"""GET /health: 200 when every dependency answers, 503 naming the one that does not."""

import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db


def test_health_reports_each_dependency(client):
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert {name: check["status"] for name, check in body["checks"].items()} == {
        "database": "ok",
        "cache": "ok",
        "broker": "ok",
    }


def test_health_answers_head_probes_and_refuses_other_methods_with_405():
    client = Client(enforce_csrf_checks=True)  # as a browser or probe meets it
    assert client.head("/health").status_code == 200
    for method in ("post", "put", "delete"):
        response = getattr(client, method)("/health")
        assert response.status_code == 405, method
        assert response["Allow"] == "GET, HEAD"


@pytest.mark.rabbitmq
def test_health_reaches_the_real_broker(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    body = client.get("/health").json()
    assert body["checks"]["broker"]["status"] == "ok"
    assert body["checks"]["broker"]["detail"] != "tasks run in-process"


def test_health_is_503_naming_a_broker_that_is_down(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "amqp://guest:guest@127.0.0.1:1//"

    response = client.get("/health")

    assert response.status_code == 503
    assert response.json()["failing"] == ["broker"]


def test_health_is_503_naming_a_cache_that_is_down(client):
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    with override_settings(CACHES=caches):
        from django.core.cache import caches as cache_handler

        cache_handler._settings = cache_handler.settings = cache_handler.configure_settings(None)
        try:
            response = client.get("/health")
        finally:
            del cache_handler._settings
    assert response.status_code == 503
    assert response.json()["failing"] == ["cache"]


def test_health_needs_no_tls_redirect_behind_a_proxy(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/health").status_code == 200
    assert client.get("/api/v1/auth/profile/").status_code == 301
    assert client.get("/api/v1/auth/profile/", HTTP_X_FORWARDED_PROTO="https").status_code == 401
