"""GET /api/schema/ when several first requests arrive at once."""

import threading

from django.test import RequestFactory
from drf_spectacular.views import SpectacularAPIView
from rest_framework.response import Response

from core.schema import SchemaView


def test_the_schema_is_generated_by_one_request_at_a_time(monkeypatch):
    """drf-spectacular resolves its extensions on first use without a lock: two generations
    at once in a fresh process answered 500 (schemathesis's parallel runs found it)."""
    running, most = 0, 0
    counting = threading.Lock()
    both_in = threading.Event()

    def generate(view, request, *args, **kwargs):
        nonlocal running, most
        with counting:
            running += 1
            most = max(most, running)
            if running == 2:
                both_in.set()
        both_in.wait(timeout=0.5)  # time for a second request to come in alongside
        with counting:
            running -= 1
        return Response({"openapi": "3.0.3"})

    monkeypatch.setattr(SpectacularAPIView, "get", generate)
    view = SchemaView.as_view()
    statuses = []

    def request_schema():
        statuses.append(view(RequestFactory().get("/api/schema/")).status_code)

    threads = [threading.Thread(target=request_schema) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert (statuses, most) == ([200, 200], 1)
