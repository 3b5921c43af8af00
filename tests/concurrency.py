"""Real parallel clients for concurrency tests: threads with their own database connections."""

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
