"""Work that waits for a commit: the one way services schedule side effects (DESIGN rule 6).

`on_commit(fn, *args)` calls `fn(*args)` once the current transaction commits (at once
outside a transaction); nothing runs if it rolls back.

`enqueue_on_commit(job, **kwargs)` has the service function `job` run in the background
once the transaction commits, by the Celery task of its app that runs it: the task in the
app's `tasks.py` marked `@runs(services.job)`, which owns the retries. `enqueue` queues it
at once, for work that follows no write (a beat job handing out what is due). Services so name the
work they schedule by the function that does it, without importing their tasks module (it
imports them: the two would import each other). Each app's config imports its tasks module
when Django starts, so every task is known before anything is scheduled.
"""

from collections.abc import Callable
from functools import partial

from django.db import transaction

_TASK_OF_JOB: dict[Callable, object] = {}


def on_commit(fn: Callable, *args, **kwargs) -> None:
    transaction.on_commit(partial(fn, *args, **kwargs))


def runs(job: Callable):
    """Mark the decorated Celery task as the one that runs the service function `job`."""

    def register(task):
        _TASK_OF_JOB[job] = task
        return task

    return register


def _task_of(job: Callable):
    try:
        return _TASK_OF_JOB[job]
    except KeyError:
        raise LookupError(
            f"No task runs {job.__module__}.{job.__qualname__}: mark one with @runs."
        ) from None


def enqueue_on_commit(job: Callable, **kwargs) -> None:
    """Queue the task that runs `job`, with `kwargs`, once the transaction commits.

    Robust: a broker that cannot take the message is logged, never raised, since the change
    it follows is committed; the beat jobs, or the ops commands, pick the work up later.
    """
    task = _task_of(job)

    def send() -> None:
        task.delay(**kwargs)

    # Named, for the log line Django writes when a robust callback raises (a partial has no
    # name, and logging it would raise instead, out of the committed transaction's caller).
    send.__qualname__ = f"enqueue {job.__module__}.{job.__qualname__}"
    transaction.on_commit(send, robust=True)


def enqueue(job: Callable, **kwargs) -> None:
    """Queue the task that runs `job`, with `kwargs`, now."""
    _task_of(job).delay(**kwargs)
