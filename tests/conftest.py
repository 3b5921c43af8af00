"""Fixtures shared by every app's tests."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.factories import SellerFactory, SuperAdminFactory, UserFactory


@pytest.fixture(autouse=True)
def _clean_cache():
    """Each test starts with an empty cache (throttle counters, view counters)."""
    cache.clear()
    yield


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
def stub_server():
    """A loopback HTTP server standing in for an outside API (see tests/stubs.py)."""
    from tests.stubs import StubServer

    server = StubServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def real_celery_worker(django_db_setup, django_db_blocker):
    """A Celery worker thread on the real broker, consuming this test process's own queue.

    Tasks it runs see only committed data: use it from `transaction=True` tests.
    """
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    app.conf.update(task_always_eager=False, result_backend="cache+memory://")
    try:
        with django_db_blocker.unblock(), start_worker(
            app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=10
        ) as worker:
            yield worker
    finally:
        app.conf.update(task_always_eager=True, result_backend=None)
