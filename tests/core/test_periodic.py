"""The periodic jobs run by the web server itself when there is no broker (`make run`)."""

import asyncio
import logging
import subprocess
import sys
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from asgiref.testing import ApplicationCommunicator
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings
from django.contrib.auth.models import AnonymousUser
from django.db import connections
from django.utils import timezone

from bookings import services
from bookings.models import Booking
from campaigns import live
from config.asgi import application
from config.routing import websocket_urlpatterns
from core import periodic
from tests.factories import TicketTypeFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

EXPIRE_HOLDS = {"task": "bookings.tasks.expire_holds", "schedule": 0.1}


@pytest.fixture(autouse=True)
async def _close_thread_connections():
    yield
    await live.hub_close()
    await sync_to_async(connections.close_all)()


@pytest.fixture
def embedded_defaults(settings):
    """What `make run` has: no broker, so jobs in-process, and no Redis, so announcements
    reach the websockets of this process only."""
    settings.PERIODIC_JOBS_IN_PROCESS = True
    settings.REDIS_URL = ""


def _overdue_hold():
    ticket_type = TicketTypeFactory(capacity=4, max_per_booking=4)
    booking = services.booking_create(
        customer=UserFactory(),
        campaign_id=ticket_type.campaign_id,
        items=[{"ticket_type": ticket_type.pk, "quantity": 4}],
        issuance="single",
    )
    Booking.objects.filter(pk=booking.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    return ticket_type, booking


async def _start_server() -> ApplicationCommunicator:
    server = ApplicationCommunicator(application, {"type": "lifespan", "asgi": {"version": "3.0"}})
    await server.send_input({"type": "lifespan.startup"})
    assert await server.receive_output(timeout=5) == {"type": "lifespan.startup.complete"}
    return server


async def _stop_server(server: ApplicationCommunicator) -> None:
    await server.send_input({"type": "lifespan.shutdown"})
    assert await server.receive_output(timeout=10) == {"type": "lifespan.shutdown.complete"}


async def _status(booking_id: int) -> str:
    return await database_sync_to_async(
        lambda: Booking.objects.values_list("status", flat=True).get(pk=booking_id)
    )()


async def test_without_a_worker_the_server_expires_a_hold_and_pushes_the_freed_seats(
    embedded_defaults, settings
):
    settings.CELERY_BEAT_SCHEDULE = {"expire-holds": EXPIRE_HOLDS}
    ticket_type, booking = await database_sync_to_async(_overdue_hold)()
    page = WebsocketCommunicator(
        URLRouter(websocket_urlpatterns), f"/ws/campaigns/{ticket_type.campaign_id}/"
    )
    page.scope["user"] = AnonymousUser()
    assert (await page.connect())[0]
    assert (await page.receive_json_from())["ticket_types"] == [
        {"id": ticket_type.pk, "remaining": 0}
    ]

    server = await _start_server()
    pushed = await page.receive_json_from(timeout=10)
    await _stop_server(server)
    await page.disconnect()

    assert pushed == {
        "type": "availability",
        "ticket_types": [{"id": ticket_type.pk, "remaining": 4}],
    }
    assert await _status(booking.pk) == "expired"


async def test_a_failing_job_is_logged_and_the_other_jobs_keep_running(
    embedded_defaults, settings, caplog
):
    settings.CELERY_BEAT_SCHEDULE = {
        "missing": {"task": "nowhere.tasks.missing", "schedule": 0.05},
        "expire-holds": EXPIRE_HOLDS,
    }
    _, booking = await database_sync_to_async(_overdue_hold)()

    with caplog.at_level(logging.ERROR, logger="core.periodic"):
        server = await _start_server()
        for _ in range(100):
            if await _status(booking.pk) == "expired":
                break
            await asyncio.sleep(0.1)
        await _stop_server(server)

    assert await _status(booking.pk) == "expired"
    assert "Periodic job nowhere.tasks.missing failed; it runs again at its next interval" in [
        record.getMessage() for record in caplog.records
    ]


async def test_with_a_broker_the_server_leaves_the_periodic_jobs_to_beat(settings, monkeypatch):
    settings.PERIODIC_JOBS_IN_PROCESS = False
    started = []
    monkeypatch.setattr(periodic, "PeriodicJobs", lambda schedule: started.append(schedule))

    await _stop_server(await _start_server())

    assert started == []


def test_like_beat_an_entry_is_first_due_one_interval_after_the_start():
    jobs = periodic.PeriodicJobs(
        {
            "often": {"task": "a.often", "schedule": 30.0},
            "rarely": {"task": "a.rarely", "schedule": timedelta(minutes=5)},
        }
    )
    start = jobs.last_run["often"]

    tasks, wait = jobs.due()
    assert (tasks, round(wait)) == ([], 30)

    jobs.last_run = dict.fromkeys(jobs.last_run, start - timedelta(seconds=31))
    tasks, wait = jobs.due()
    assert (tasks, round(wait)) == (["a.often"], 30)
    assert jobs.last_run["rarely"] == start - timedelta(seconds=31)


def test_a_fresh_web_process_knows_every_task_of_the_real_schedule():
    """In a new interpreter that loads only the ASGI app, as uvicorn does (this test process
    has imported every tasks module already)."""
    script = (
        "import config.asgi\n"
        "from celery import current_app\n"
        "from django.conf import settings\n"
        "from core.periodic import PeriodicJobs\n"
        "PeriodicJobs(settings.CELERY_BEAT_SCHEDULE)\n"
        "print(sorted(e['task'] for e in settings.CELERY_BEAT_SCHEDULE.values()\n"
        "             if e['task'] not in current_app.tasks))\n"
    )
    done = subprocess.run(  # noqa: S603 (fixed argv)
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        cwd=django_settings.BASE_DIR,
        timeout=120,
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"
