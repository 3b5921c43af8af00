"""Celery beat's schedule, run inside the web server process when there is no broker.

Without `CELERY_BROKER_URL` (what `make run` gives) there is no worker and no beat: tasks run
in-process. So that holds still expire, campaigns still end and payments still reconcile,
the ASGI app's lifespan starts `PeriodicJobs` when `PERIODIC_JOBS_IN_PROCESS` is on (its
default without a broker): every `CELERY_BEAT_SCHEDULE` entry runs at its interval, one at a
time, on a worker thread, until the server stops. It runs in the server process rather than
in a command beside it because without Redis an announcement reaches only that process's
websockets: the availability a job announces reaches the open campaign pages. The jobs are
the same idempotent tasks beat sends, safe to run in several processes at once.
"""

import asyncio
import contextlib
import logging

from asgiref.sync import sync_to_async
from celery import current_app
from celery.schedules import maybe_schedule
from django.conf import settings
from django.db import close_old_connections, connections

logger = logging.getLogger(__name__)


def run_task(name: str) -> None:
    """Run one task here and now, as a worker would, with request-like connection upkeep."""
    close_old_connections()
    try:
        current_app.tasks[name].apply(throw=True)
    except Exception:
        logger.exception("Periodic job %s failed; it runs again at its next interval", name)
    finally:
        connections.close_all()


class PeriodicJobs:
    """Runs a beat schedule (`{name: {"task", "schedule"}}`) on the running event loop.

    As with beat, an entry first runs one interval after the start. Schedules are whatever
    beat accepts: seconds, a timedelta, a crontab.
    """

    def __init__(self, schedule: dict):
        # A worker imports every app's tasks module at start; a web process only those its
        # own code imports (campaigns.tasks was not, so campaigns never ended under make run).
        current_app.autodiscover_tasks(force=True)
        now = current_app.now()
        self.entries = {
            name: (entry["task"], maybe_schedule(entry["schedule"], app=current_app))
            for name, entry in schedule.items()
        }
        self.last_run = dict.fromkeys(self.entries, now)

    def due(self) -> tuple[list[str], float]:
        """The tasks due now, and the seconds until an entry may next be due."""
        tasks, wait = [], float("inf")
        for name, (task, schedule) in self.entries.items():
            is_due, next_check = schedule.is_due(self.last_run[name])
            if is_due:
                tasks.append(task)
                self.last_run[name] = current_app.now()
            wait = min(wait, next_check)
        return tasks, wait

    async def run(self) -> None:
        while True:
            tasks, wait = self.due()
            for task in tasks:
                await sync_to_async(run_task, thread_sensitive=False)(task)
            await asyncio.sleep(wait)


async def lifespan(scope, receive, send) -> None:
    """The ASGI lifespan protocol: the periodic jobs run from start-up to shutdown."""
    runner = None
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            if settings.PERIODIC_JOBS_IN_PROCESS:
                runner = asyncio.create_task(PeriodicJobs(settings.CELERY_BEAT_SCHEDULE).run())
                logger.info("Running the periodic jobs in this process (no broker)")
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            if runner is not None:
                runner.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await runner
            await send({"type": "lifespan.shutdown.complete"})
            return
