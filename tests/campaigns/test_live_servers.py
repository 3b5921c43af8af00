"""Live availability across real server processes: two uvicorn servers sharing Redis."""

import contextlib
import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from accounts.services import session_token_create
from campaigns import live
from tests.conftest import serve_asgi
from tests.factories import CampaignFactory, TicketTypeFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

SERVER_ENV = {"THROTTLE_RATE_BOOKING": "100000/min", "THROTTLE_RATE_USER": "100000/min"}


@pytest.fixture
def two_servers(settings):
    assert settings.REDIS_URL.startswith("redis://")
    with serve_asgi(env=SERVER_ENV) as first, serve_asgi(env=SERVER_ENV) as second:
        yield first, second


@pytest.fixture
def on_sale(db):
    campaign = CampaignFactory()
    TicketTypeFactory(campaign=campaign, name="General", capacity=500, position=0)
    TicketTypeFactory(campaign=campaign, name="Table", capacity=20, position=1)
    return campaign


@contextlib.contextmanager
def watching(base_url: str, campaign_id: int, *, origin: str | None = None):
    url = base_url.replace("http://", "ws://") + f"/ws/campaigns/{campaign_id}/"
    # Frames pile up unread during a burst: an unbounded queue keeps the client reading (and
    # answering pings) meanwhile.
    with connect(url, origin=origin or base_url, open_timeout=10, max_queue=None) as socket:
        yield socket


def frames_until_quiet(socket, *, quiet: float = 1.5) -> list[dict]:
    frames = []
    with contextlib.suppress(TimeoutError):
        while True:
            frames.append(json.loads(socket.recv(timeout=quiet)))
    return frames


def book(base_url: str, token: str, general) -> int:
    """One seat of the `general` ticket type, booked over HTTP. Reads no rows itself, so the
    threads that call it take no database connection (one left open by a thread that ends
    would stay out of the pool for the rest of the test process)."""
    response = requests.post(
        f"{base_url}/api/v1/bookings/",
        json={
            "campaign": general.campaign_id,
            "items": [{"ticket_type": general.pk, "quantity": 1}],
        },
        headers={"X-Session-Token": token},
        timeout=30,
    )
    return response.status_code


def expected_frame(campaign) -> dict:
    return {"type": "availability", "ticket_types": live.availability_snapshot(campaign.pk)}


def test_a_booking_on_one_server_reaches_the_watchers_of_the_other(two_servers, on_sale):
    first, second = two_servers
    token = session_token_create(user=UserFactory())
    with watching(second, on_sale.pk) as socket:
        opening = json.loads(socket.recv(timeout=10))

        assert book(first, token, on_sale.ticket_types.get(name="General")) == 201
        frames = frames_until_quiet(socket)

    assert opening == {"type": "availability", "ticket_types": opening["ticket_types"]}
    assert opening["ticket_types"][0]["remaining"] == 500
    assert frames[-1] == expected_frame(on_sale)
    assert frames[-1]["ticket_types"][0]["remaining"] == 499


def test_a_burst_of_200_bookings_reaches_every_watcher_coalesced_ending_with_the_snapshot(
    two_servers, on_sale
):
    tokens = [session_token_create(user=UserFactory()) for _ in range(8)]
    general = on_sale.ticket_types.get(name="General")
    with contextlib.ExitStack() as stack:
        sockets = [
            stack.enter_context(watching(base_url, on_sale.pk))
            for base_url in two_servers
            for _ in range(10)
        ]
        for socket in sockets:
            socket.recv(timeout=10)

        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(
                pool.map(lambda n: book(two_servers[n % 2], tokens[n % 8], general), range(200))
            )
        burst = time.monotonic() - started
        received = [frames_until_quiet(socket) for socket in sockets]

    assert statuses == [201] * 200
    final = expected_frame(on_sale)
    assert final["ticket_types"][0]["remaining"] == 300
    for frames in received:
        assert frames[-1] == final
        # A watcher's frames come from its server's hub: at most one per interval, plus the
        # trailing one.
        assert len(frames) <= burst / live.FRAME_INTERVAL + 2
        assert len(frames) < 200


def test_a_page_of_another_site_cannot_open_the_websocket(two_servers, on_sale):
    first, _ = two_servers
    with (
        pytest.raises(InvalidStatus) as refused,
        watching(first, on_sale.pk, origin="https://tickets.example.org"),
    ):
        pass

    assert refused.value.response.status_code == 403
