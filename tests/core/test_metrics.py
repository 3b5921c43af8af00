"""GET /metrics: who may read it, what it serves, latency by route, Celery task trouble, and
counts shared by several processes (prometheus-client's multiprocess mode)."""

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from django.core import mail

from bookings import tasks as booking_tasks
from campaigns.models import Campaign
from core import metrics
from payments import tasks as payment_tasks
from tests.conftest import serve_asgi
from tests.factories import CampaignFactory, TicketTypeFactory
from tests.metrics import parse, scrape

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "s3cret-metrics-token"
LATENCY_COUNT = "tickets_http_request_duration_seconds_count"
FAILURES = "tickets_celery_task_failures_total"
RETRIES = "tickets_celery_task_retries_total"


def _without_own_scrapes(changes: dict) -> dict:
    """Latency changes minus the scrapes that measured them."""
    return {labels: n for labels, n in changes.items() if "route=/metrics" not in labels}


# --- Access -------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("address", ["127.0.0.1", "::1", "10.1.2.3", "172.20.0.5", "192.168.1.9"])
def test_without_a_token_loopback_and_private_addresses_are_answered(client, address):
    response = client.get("/metrics", REMOTE_ADDR=address)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert "no-cache" in response["Cache-Control"]
    assert "# TYPE tickets_bookings_total counter" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("address", ["8.8.8.8", "2001:4860:4860::8888", "::ffff:8.8.8.8", ""])
def test_without_a_token_public_addresses_are_refused(client, address):
    response = client.get("/metrics", REMOTE_ADDR=address)

    assert response.status_code == 403
    assert response.json() == {
        "code": "permission_denied",
        "detail": "Metrics are served to internal addresses only, unless METRICS_TOKEN is set.",
    }


@pytest.mark.django_db
def test_a_forwarded_private_address_does_not_open_metrics_to_a_public_peer(client, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": None}

    response = client.get("/metrics", REMOTE_ADDR="8.8.8.8", HTTP_X_FORWARDED_FOR="10.0.0.1")

    assert response.status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer wrong-token", f"Basic {TOKEN}", f"Bearer {TOKEN}x"],
    ids=["missing", "empty", "no-token", "wrong", "other-scheme", "longer"],
)
@pytest.mark.parametrize("address", ["127.0.0.1", "8.8.8.8"], ids=["private", "public"])
def test_with_a_token_anything_but_the_token_is_401_from_every_address(
    client, settings, authorization, address
):
    settings.METRICS_TOKEN = TOKEN
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization is not None else {}

    response = client.get("/metrics", REMOTE_ADDR=address, **headers)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert response.json() == {
        "code": "not_authenticated",
        "detail": "Send Authorization: Bearer <METRICS_TOKEN>.",
    }


@pytest.mark.django_db
@pytest.mark.parametrize("address", ["127.0.0.1", "8.8.8.8"], ids=["private", "public"])
def test_with_a_token_the_right_bearer_token_is_answered_from_every_address(
    client, settings, address
):
    settings.METRICS_TOKEN = TOKEN

    response = client.get("/metrics", REMOTE_ADDR=address, HTTP_AUTHORIZATION=f"bearer {TOKEN}")

    assert response.status_code == 200
    assert "# TYPE tickets_scans_total counter" in response.content.decode()


@pytest.mark.django_db
def test_metrics_is_read_only_and_answers_other_methods_in_json(client):
    response = client.post("/metrics", data=b"", content_type="text/plain")

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, OPTIONS"
    assert response.json() == {"code": "method_not_allowed", "detail": "POST is not allowed here."}


@pytest.mark.django_db
def test_metrics_is_served_over_plain_http_when_tls_redirects_are_on(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    assert client.get("/metrics").status_code == 200
    assert client.get("/metrics/").status_code == 200
    assert client.get("/").status_code == 301


@pytest.mark.django_db
def test_metrics_is_not_part_of_the_api_schema(api_client):
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/json")

    paths = set(json.loads(response.content)["paths"])
    assert "/health" in paths
    assert not {path for path in paths if "metrics" in path}


# --- Content ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_latency_is_observed_by_url_pattern_so_ids_make_no_new_series(api_client, metric_changes):
    first, second = CampaignFactory(), CampaignFactory()

    statuses = [
        api_client.get(f"/api/v1/campaigns/{first.pk}/").status_code,
        api_client.get(f"/api/v1/campaigns/{second.pk}/").status_code,
        api_client.get("/api/v1/campaigns/999999/").status_code,
        api_client.get(f"/no-such-page/{first.pk}/").status_code,
    ]
    api_client.generic("BREW", f"/api/v1/campaigns/{first.pk}/")

    assert statuses == [200, 200, 404, 404]
    assert _without_own_scrapes(metric_changes(LATENCY_COUNT)) == {
        "method=GET,route=/api/v1/campaigns/<int:pk>/,status=2xx": 2,
        "method=GET,route=/api/v1/campaigns/<int:pk>/,status=4xx": 1,
        "method=GET,route=unmatched,status=4xx": 1,
        "method=other,route=/api/v1/campaigns/<int:pk>/,status=4xx": 1,
    }


@pytest.mark.django_db
def test_a_scrape_time_value_that_fails_is_left_out_and_the_rest_is_served(
    client, monkeypatch, caplog
):
    def unreadable():
        raise RuntimeError("database unreachable")

    monkeypatch.setattr(metrics, "_scrape_gauges", list(metrics._scrape_gauges))
    metrics.gauge_at_scrape("tickets_unreadable", "Raises when read.", unreadable)

    samples = scrape(client)

    assert "tickets_unreadable" not in samples
    assert samples["tickets_overdue_hold_age_seconds"] == {"": 0.0}
    assert "Metric tickets_unreadable could not be read" in caplog.text


# --- Celery -------------------------------------------------------------------------------


@pytest.fixture
def tasks_fail_like_in_a_worker():
    """Tasks still run in-process, but as a worker runs them: an error is recorded (and the
    failure and retry signals sent) instead of raised to the caller."""
    from config.celery import app

    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = True


@pytest.mark.django_db
def test_a_failing_task_is_counted(tasks_fail_like_in_a_worker, metric_changes):
    result = payment_tasks.refund_cancelled_campaign.delay(999999)

    assert result.failed()
    assert isinstance(result.result, Campaign.DoesNotExist)
    assert metric_changes(FAILURES) == {"task=payments.tasks.refund_cancelled_campaign": 1}
    assert metric_changes(RETRIES) == {}


@pytest.mark.django_db
def test_each_retry_of_a_task_and_its_final_failure_are_counted(
    tasks_fail_like_in_a_worker, confirm, customer, settings, tmp_path, metric_changes
):
    booking = confirm(customer, TicketTypeFactory())
    settings.MEDIA_ROOT = tmp_path / "media"
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2

    # In-process, each retry runs at once: five retries, then the SMTP error itself.
    result = booking_tasks.deliver_booking_tickets.delay(booking.pk)

    assert isinstance(result.result, ConnectionRefusedError)
    assert mail.outbox == []
    assert metric_changes(RETRIES) == {"task=bookings.tasks.deliver_booking_tickets": 5}
    assert metric_changes(FAILURES) == {"task=bookings.tasks.deliver_booking_tickets": 1}


@pytest.mark.rabbitmq
@pytest.mark.django_db(transaction=True)
def test_a_task_failing_in_a_real_worker_is_counted(celery_tasks, metric_changes):
    payment_tasks.refund_cancelled_campaign.delay(999999)

    celery_tasks.wait("payments.tasks.refund_cancelled_campaign", 1)
    assert metric_changes(FAILURES) == {"task=payments.tasks.refund_cancelled_campaign": 1}


# --- Several processes --------------------------------------------------------------------


def _python(code: str, directory: Path) -> str:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_processes_sharing_the_directory_are_summed_and_never_share_a_file(tmp_path):
    directory = tmp_path / "prometheus"
    count = (
        "from core import metrics\n"
        "metrics.BOOKINGS.labels(outcome='created').inc()\n"
        "metrics.REQUEST_LATENCY.labels(route='/x/', method='GET', status='2xx').observe(0.02)\n"
    )
    for _ in range(2):
        _python(count, directory)

    samples = parse(
        _python(
            "from prometheus_client import generate_latest\n"
            "from core import metrics\n"
            "print(generate_latest(metrics.scrape_registry()).decode())\n",
            directory,
        )
    )

    assert samples["tickets_bookings_total"] == {"outcome=created": 2.0}
    assert samples[LATENCY_COUNT] == {"method=GET,route=/x/,status=2xx": 2.0}
    bucket = samples["tickets_http_request_duration_seconds_bucket"]
    assert (
        bucket["le=0.01,method=GET,route=/x/,status=2xx"],
        bucket["le=0.025,method=GET,route=/x/,status=2xx"],
    ) == (0.0, 2.0)
    host = re.escape(re.sub(r"[^A-Za-z0-9.-]", "-", socket.gethostname()))
    files = sorted(path.name for path in directory.iterdir())
    assert len(files) == 4
    assert all(re.fullmatch(rf"(counter|histogram)_{host}-\d+\.db", name) for name in files)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_scrape_of_one_uvicorn_worker_counts_the_requests_of_both(tmp_path):
    directory = tmp_path / "prometheus"

    with serve_asgi(workers=2, env={"PROMETHEUS_MULTIPROC_DIR": str(directory)}) as url:
        for _ in range(20):
            # A new connection each time, so that both workers take some.
            assert requests.get(f"{url}/no-such-page/", timeout=10).status_code == 404
        samples = parse(requests.get(f"{url}/metrics", timeout=10).text)

    assert samples[LATENCY_COUNT]["method=GET,route=unmatched,status=4xx"] == 20.0
    assert samples["tickets_overdue_hold_age_seconds"] == {"": 0.0}
