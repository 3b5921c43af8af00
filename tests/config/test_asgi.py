"""The ASGI entry point: HTTP through Django's synchronous request path in one thread hop."""

import asyncio
import json

import pytest
from asgiref.sync import ThreadSensitiveContext, iscoroutinefunction
from asgiref.testing import ApplicationCommunicator

from config.asgi import application, django_asgi_app


def test_the_middleware_chain_is_synchronous():
    assert not iscoroutinefunction(django_asgi_app._middleware_chain)


async def asgi_get(path: str, headers=()) -> tuple[int, dict, bytes]:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }
    communicator = ApplicationCommunicator(application, scope)
    await communicator.send_input({"type": "http.request", "body": b""})
    start = await communicator.receive_output(timeout=10)
    body = await communicator.receive_output(timeout=10)
    await communicator.wait(timeout=10)
    return start["status"], {k.lower(): v for k, v in start["headers"]}, body["body"]


@pytest.mark.django_db(transaction=True)
def test_requests_and_error_responses_are_served_through_asgi():
    status, headers, body = asyncio.run(asgi_get("/health", [(b"x-request-id", b"asgi-1")]))
    missing_status, _, missing_body = asyncio.run(asgi_get("/api/v1/nothing-here/"))

    assert (status, json.loads(body)["status"]) == (200, "ok")
    assert headers[b"x-request-id"] == b"asgi-1"
    assert missing_status == 404
    assert json.loads(missing_body)["code"] == "not_found"


def test_a_process_runs_at_most_the_configured_number_of_requests_at_once(settings, monkeypatch):
    """Extra requests wait on the event loop instead of piling up as threads."""
    import threading
    import time

    settings.ASGI_CONCURRENT_REQUESTS = 2
    running, most = [], []
    lock = threading.Lock()

    def slow_response(request):
        with lock:
            running.append(request)
            most.append(len(running))
        time.sleep(0.05)
        with lock:
            running.remove(request)
        return request

    monkeypatch.setattr(django_asgi_app, "get_response", slow_response)

    async def request(n):
        # What ASGIHandler does for every request: its own thread for sync code.
        async with ThreadSensitiveContext():
            return await django_asgi_app.get_response_async(n)

    async def burst():
        return await asyncio.gather(*(request(n) for n in range(6)))

    assert asyncio.run(burst()) == [0, 1, 2, 3, 4, 5]
    assert max(most) == 2
