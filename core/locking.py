"""Row locks: the one way services lock rows (DESIGN rules 1 and 2).

Rows are locked FOR UPDATE in id order: two transactions that want overlapping rows then
queue one behind the other and can never deadlock. Only the queryset's own rows are locked,
not those `select_related` joins in. On PostgreSQL every wait is bounded: the helpers set
`lock_timeout` to LOCK_TIMEOUT_SECONDS for the rest of the transaction (`SET LOCAL`), and a
wait that runs out rolls the transaction back with `LockTimeout`, a refusal the client may
retry, never a hung request. SQLite has no row locks: its IMMEDIATE transactions take the
database's write lock when they begin, waiting up to the connection's `timeout`, and a wait
that runs out there is the same `LockTimeout` (see `lock_wait_ran_out`).

Call the helpers inside the transaction that needs the rows, before reading what the lock
protects.
"""

from django.conf import settings
from django.db import DatabaseError, connection

from core.errors import Unavailable

LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE for a lock_timeout that ran out


class LockTimeout(Unavailable):
    code = "busy"
    default_detail = "Someone else is changing the same thing right now. Please try again."
    retry_after = 1


def lock_wait_ran_out(error: DatabaseError) -> bool:
    """Whether a database error means a wait for a lock ran out (PostgreSQL or SQLite)."""
    cause = error.__cause__
    if getattr(cause, "sqlstate", None) == LOCK_NOT_AVAILABLE:
        return True
    return connection.vendor == "sqlite" and "database is locked" in str(cause or error)


def _bound_the_wait() -> None:
    if connection.vendor == "postgresql":
        milliseconds = round(settings.LOCK_TIMEOUT_SECONDS * 1000)
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = {milliseconds:d}")


def _evaluate(run):
    _bound_the_wait()
    try:
        return run()
    except DatabaseError as exc:
        if lock_wait_ran_out(exc):
            raise LockTimeout() from exc
        raise


def lock(queryset, *, limit: int | None = None, skip_locked: bool = False) -> list:
    """Lock the rows of `queryset` (a queryset, or its `values()` / `values_list()`) in id
    order and return them; `limit` takes the first rows only. `skip_locked` leaves out rows
    another transaction holds, instead of waiting for them (for jobs that run in parallel).
    """
    rows = queryset.order_by("pk").select_for_update(of=("self",), skip_locked=skip_locked)
    if limit is not None:
        rows = rows[:limit]
    return _evaluate(lambda: list(rows))


def lock_one(queryset, **lookup):
    """The one row of `queryset` (or a model's manager) that `lookup` names, locked; raises
    DoesNotExist as `get()` does."""
    return _evaluate(lambda: queryset.select_for_update(of=("self",)).get(**lookup))
