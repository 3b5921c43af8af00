"""Fixtures shared by every app's tests."""

import contextlib
import threading

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.factories import SellerFactory, SuperAdminFactory, UserFactory, booked


@pytest.fixture(scope="session", autouse=True)
def _release_test_database(django_db_setup, django_db_blocker):
    """End the connections that threads of live servers and workers left in the connection
    pool, so the test database can be dropped when the session ends."""
    yield
    from django.db import connection

    if connection.vendor != "postgresql" or not connection.settings_dict["NAME"].startswith(
        "test_"
    ):
        return  # pytest-django makes no test database when no test of the session uses one
    with django_db_blocker.unblock():
        connection.close_pool()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        connection.close()
        connection.close_pool()


@pytest.fixture(autouse=True)
def _clean_cache():
    """Each test starts with an empty cache (throttle counters, view counters)."""
    cache.clear()
    yield


@pytest.fixture
def throttle_rates(settings):
    """`throttle_rates(auth="4/min", ...)`: these scopes' rates for this test only."""

    def set_rates(**rates):
        merged = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **rates}
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": merged}

    return set_rates


@pytest.fixture
def throttle_clock(monkeypatch):
    """The clock of every throttle (API views and throttled paths), stopped 20 s into a
    minute (2840 s into an hour) so no window ends mid-test; move it with `.now += 60`."""
    from core.middleware import PathThrottleMiddleware
    from core.throttling import ScopedOrDefaultThrottle

    class Clock:
        now = 1_000_000_040.0

    monkeypatch.setattr(ScopedOrDefaultThrottle, "timer", lambda self: Clock.now)
    monkeypatch.setattr(PathThrottleMiddleware, "timer", lambda self: Clock.now)
    return Clock


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def client_for():
    """`client_for(user)`: an API client signed in as `user` (None: anonymous)."""

    def make(user):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def customer(db):
    return UserFactory(email="customer@example.com", name="Ada Customer")


@pytest.fixture
def seller(db):
    return SellerFactory(email="seller@example.com", name="Sam Seller")


@pytest.fixture
def super_admin(db):
    return SuperAdminFactory(email="admin@example.com", name="Ana Admin")


@pytest.fixture
def book(ticket_type):
    """`book(customer=None, quantity=2, **kwargs)`: a pending booking of the folder's
    `ticket_type` fixture, for a new customer unless one is given."""

    def make(customer=None, quantity=2, **kwargs):
        return booked(customer or UserFactory(), ticket_type, quantity, **kwargs)

    return make


@pytest.fixture
def confirm():
    """`confirm(customer, ticket_type, quantity, issuance, holder_names)`: a confirmed
    booking made through the booking services, with the confirmation e-mail cleared."""
    from django.core import mail

    from bookings import services
    from bookings.models import Booking

    def make(customer, ticket_type, quantity=1, issuance="single", holder_names=None):
        booking = booked(
            customer, ticket_type, quantity, issuance=issuance, holder_names=holder_names
        )
        services.confirm_booking(booking_id=booking.pk, source="test")
        mail.outbox.clear()
        return Booking.objects.get(pk=booking.pk)

    return make


@pytest.fixture
def metric_changes(db):
    """`metric_changes(name)`: how the samples of `name` on GET /metrics moved in this test."""
    from tests.metrics import MetricChanges

    return MetricChanges()


@pytest.fixture
def stub_server():
    """A loopback HTTP server standing in for an outside API (see tests/stubs.py)."""
    from tests.stubs import StubServer

    server = StubServer().start()
    yield server
    server.stop()


class TaskRecorder:
    """Collects what the worker finished (task_postrun), so tests can wait for it."""

    def __init__(self):
        self.finished: list[tuple[str, object]] = []
        self._condition = threading.Condition()

    def on_postrun(self, sender=None, retval=None, **kwargs):
        with self._condition:
            self.finished.append((sender.name, retval))
            self._condition.notify_all()

    def wait(self, task_name: str, count: int, timeout: float = 30) -> list:
        """The return values of the first `count` runs of `task_name`; fails on timeout."""
        with self._condition:
            done = self._condition.wait_for(
                lambda: len(self.results(task_name)) >= count, timeout=timeout
            )
        assert done, f"{task_name} ran {len(self.results(task_name))} times, expected {count}"
        return self.results(task_name)

    def results(self, task_name: str) -> list:
        return [retval for name, retval in self.finished if name == task_name]


@pytest.fixture(scope="session")
def real_celery_worker(django_db_setup, django_db_blocker):
    """A Celery worker on the real broker, consuming this test process's own queue.

    Started once per process; tests reach it through `celery_tasks`, which sends tasks to the
    broker only for the test's own duration (every other test runs tasks inline).
    """
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    with (
        django_db_blocker.unblock(),
        start_worker(
            app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=10
        ) as worker,
    ):
        yield worker
    with app.connection_for_write() as connection:
        # The queue is this process's own; leave no trace on the shared broker.
        connection.default_channel.queue_delete(app.conf.task_default_queue)


@pytest.fixture
def celery_tasks(real_celery_worker):
    """Sends this test's tasks through the real broker and records what the worker finishes.

    Use from `transaction=True` tests: the worker sees only committed data.
    """
    from celery.signals import task_postrun

    from config.celery import app

    recorder = TaskRecorder()
    task_postrun.connect(recorder.on_postrun, weak=False)
    app.conf.task_always_eager = False
    try:
        yield recorder
    finally:
        app.conf.task_always_eager = True
        task_postrun.disconnect(recorder.on_postrun)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_healthy(server, base_url: str, *, timeout: float, headers=None) -> bool:
    """Poll `/health` of a server subprocess until it answers 200 (True), or until the
    process exits or `timeout` seconds pass (False)."""
    import time

    import requests

    deadline = time.monotonic() + timeout
    while True:
        try:
            response = requests.get(f"{base_url}/health", headers=headers, timeout=5)
            if response.status_code == 200:
                return True
        except requests.ConnectionError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            return False
        time.sleep(0.2)


@contextlib.contextmanager
def serve_asgi(*, workers: int = 1, env: dict | None = None):
    """The whole ASGI app under uvicorn on 127.0.0.1 (`workers` processes), in a subprocess on
    this test's database and Redis; yields its base URL. Needs a `transactional_db` test on
    PostgreSQL: the server processes must see the data the test commits."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the server process shares the test database only on PostgreSQL")
    db = connection.settings_dict
    port = free_port()
    server_env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "DEBUG": "true",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CELERY_TASK_ALWAYS_EAGER": "1",
        "PAYMENT_GATEWAY": "sandbox",  # its checkout runs in the server: nothing leaves
        "SITE_URL": f"http://127.0.0.1:{port}",
        **(env or {}),
    }
    server = subprocess.Popen(  # noqa: S603 (fixed arguments)
        [
            sys.executable,
            "-m",
            "uvicorn",
            "config.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=Path(__file__).resolve().parent.parent,
        env=server_env,
    )
    base_url = f"http://127.0.0.1:{port}"
    if not wait_until_healthy(server, base_url, timeout=30):
        server.kill()
        pytest.fail(f"uvicorn did not start on {base_url}")
    try:
        yield base_url
    finally:
        server.terminate()
        server.wait(timeout=10)


class AsgiServers:
    """Servers of `serve_asgi`, one per environment variant (e.g. GOOGLE_CLIENT_ID=""),
    started on first use and kept for the session: page tests share them."""

    def __init__(self):
        self._stack = contextlib.ExitStack()
        self._urls: dict[tuple, str] = {}

    def url(self, **env) -> str:
        """The base URL of the server whose environment adds `env`."""
        key = tuple(sorted(env.items()))
        if key not in self._urls:
            self._urls[key] = self._stack.enter_context(serve_asgi(env=env))
        return self._urls[key]

    def stop(self) -> None:
        self._stack.close()
        self._urls.clear()


@pytest.fixture(scope="session")
def asgi_servers(django_db_setup, django_db_blocker):
    servers = AsgiServers()
    yield servers
    servers.stop()


@pytest.fixture
def live_asgi_server(transactional_db, asgi_servers):
    """The base URL of the app under uvicorn, serving this test's committed data."""
    return asgi_servers.url()


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def require_chromium() -> None:
    """Skip without Debian's Chromium, or fail when REQUIRE_SERVICES=1 (CI installs it)."""
    import os
    from pathlib import Path

    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is not installed (scripts/system-deps.sh with WITH_BROWSER=1)"
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def chromium(tmp_path, monkeypatch):
    """Debian's headless Chromium through Playwright, with a fresh profile per test."""
    require_chromium()
    # Playwright's sync API keeps an event loop in this thread; ORM calls stay synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def chromium_page_as(chromium, live_server, settings):
    """`chromium_page_as(user)`: a new Chromium page signed in as `user` on the live server."""
    from django.test import Client

    def make(user):
        signed_in = Client()
        signed_in.force_login(user)
        chromium.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": signed_in.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                }
            ]
        )
        return chromium.new_page()

    return make


PRODUCTION_TESTS = "tests/deploy/test_production"


def pytest_xdist_make_scheduler(config, log):
    """Under `-n`, the modules tests/deploy/test_production*.py run on one worker, so they
    share one `production_server` (xdist's `xdist_group` marker has no effect under pytest 9:
    it renames node ids through an attribute pytest no longer reads). Every other test is
    load-balanced one by one, as `--dist load` does."""
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ProductionTestsOnOneWorker(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return "production" if nodeid.startswith(PRODUCTION_TESTS) else nodeid

    return ProductionTestsOnOneWorker(config, log)
