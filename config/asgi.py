"""ASGI entry point: HTTP through Django, websockets through Channels, and a lifespan that
runs the periodic jobs in-process when there is no broker (core.periodic)."""

import asyncio
import os
import weakref

import django
from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup(set_prefix=False)

from django.conf import settings  # noqa: E402


class SyncRequestASGIHandler(ASGIHandler):
    """Django's ASGI handler, running each request's middleware and view in one thread hop.

    Every view and middleware of this project is synchronous (DRF, Django forms). The stock
    handler runs the middleware chain on the event loop, so a request crossed between the
    loop and a worker thread three times (four for an error response, which is logged from
    another thread). Here the whole synchronous request path runs in one hop, with the same
    middleware, signals and logging. Measured on a booking request: a fifth less server CPU
    (README, Benchmarks).
    """

    def load_middleware(self, is_async=False):
        super().load_middleware(is_async=False)

    async def get_response_async(self, request):
        async with _request_slots():
            return await sync_to_async(self.get_response, thread_sensitive=True)(request)


_slots: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _request_slots() -> asyncio.Semaphore:
    """At most ASGI_CONCURRENT_REQUESTS requests of this process run at once; the rest wait
    their turn on the event loop, in order, instead of as threads fighting for the GIL.
    Measured with 50 clients: p99 of a booking 0.8 s instead of 1.9 s (README, Benchmarks)."""
    loop = asyncio.get_running_loop()
    if loop not in _slots:
        _slots[loop] = asyncio.Semaphore(settings.ASGI_CONCURRENT_REQUESTS)
    return _slots[loop]


django_asgi_app = SyncRequestASGIHandler()

from channels.auth import AuthMiddlewareStack  # noqa: E402  (needs Django set up)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from config.routing import websocket_urlpatterns  # noqa: E402
from core import periodic  # noqa: E402

application = ProtocolTypeRouter(
    {
        "lifespan": periodic.lifespan,
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
