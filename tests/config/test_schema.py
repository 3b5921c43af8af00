"""GET /api/schema/: the errors each operation documents, and several first requests at once."""

import threading

import pytest
from django.test import RequestFactory
from drf_spectacular.generators import SchemaGenerator
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


@pytest.fixture(scope="module")
def responses():
    """Each operation's documented statuses: `responses()["GET /api/v1/..."]`."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        f"{method.upper()} {path}": operation["responses"]
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
    }


ERROR_BODY = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOutput"}}}


@pytest.mark.parametrize(
    ("operation", "errors"),
    [
        # Public: no one is refused for who they are.
        ("GET /api/v1/campaigns/", {"400", "404", "429"}),
        ("GET /api/v1/bookings/{id}/", {"400", "401", "403", "404", "429"}),
        # A write adds body limits and the lock wait; its view adds its own conflicts.
        (
            "POST /api/v1/auth/apply-seller/",
            {"400", "401", "403", "409", "413", "415", "429", "503"},
        ),
        ("DELETE /api/v1/codes/{id}/", {"400", "401", "403", "404", "429", "503"}),
    ],
)
def test_each_operation_documents_the_errors_it_can_answer(responses, operation, errors):
    documented = responses[operation]

    assert {status for status in documented if status >= "400"} == errors
    assert documented["401" if "401" in errors else "400"]["content"] == ERROR_BODY


def test_errors_of_an_operation_that_answers_csv_are_documented_as_json(responses):
    documented = responses["GET /api/v1/admin/audit-events/"]

    assert set(documented["200"]["content"]) == {"application/json", "text/csv"}
    assert documented["403"]["content"] == ERROR_BODY


def test_an_error_a_view_documents_itself_is_kept(responses):
    assert responses["POST /api/v1/campaigns/{id}/publish/"]["409"]["description"] == (
        "`invalid_transition`: not a draft"
    )
