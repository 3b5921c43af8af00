"""Real parallel clients for concurrency tests: threads with their own database connections."""

import contextlib
import threading

from django.db import connection


def run_in_parallel(calls):
    """Run each zero-argument callable in its own thread, released together by a barrier.

    Returns what each returned or raised, in order. Each thread closes its connection. A
    thread still running after a minute fails the test (a deadlock or a lost wake-up).
    """
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            outcomes[index] = call()
        except Exception as exc:
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a client hung (deadlock?)"
    return outcomes


class Meeting:
    """A point where racers wait for each other, so that a test forces the interleaving it
    is about instead of hoping for it.

    Where nothing keeps the others away (the unlocked variant of a race), every racer will
    arrive, so the wait is long (30 s): a slow, loaded machine must not decide the outcome.
    Where a row lock keeps them away, the racer holding it is let go after 2 s, and the
    others arrive later to a broken meeting and go on without waiting.
    """

    def __init__(self, parties: int, *, locked_out: bool):
        self._barrier = threading.Barrier(parties, timeout=2 if locked_out else 30)

    def wait(self) -> None:
        with contextlib.suppress(threading.BrokenBarrierError):
            self._barrier.wait()
