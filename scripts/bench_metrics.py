"""Metrics cost benchmark: what the latency middleware and a counter add to one request.

Times, in this process, the request-latency middleware around a view that does nothing
(against the bare view), and the ways services count: a plain increment, and
`count_on_commit` inside a transaction (registered, then run by the commit) and outside one.
Then runs itself again with PROMETHEUS_MULTIPROC_DIR set, where every value is written to a
memory-mapped file, as in production. Prints microseconds per call for both modes. The
database is an in-memory SQLite one unless DATABASE_URL names another.

Usage: python scripts/bench_metrics.py [CALLS]   (default 200000)
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DATABASE_URL", "sqlite://:memory:")

import django  # noqa: E402

django.setup()

from django.db import transaction  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.urls import resolve  # noqa: E402

from core import metrics  # noqa: E402

PATH = "/api/v1/bookings/"
BATCH = 100  # counts per transaction


def per_call_us(function, calls: int) -> float:
    """Best of three runs, in microseconds per call."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for _ in range(calls):
            function()
        best = min(best, time.perf_counter() - started)
    return best / calls * 1e6


def measure(calls: int) -> dict[str, float]:
    request = RequestFactory().post(PATH)
    request.resolver_match = resolve(PATH)
    response = HttpResponse(status=201)

    def view(request):
        return response

    def count():
        metrics.count_on_commit(metrics.BOOKINGS, outcome="created")

    def count_in_transactions():
        with transaction.atomic():
            for _ in range(BATCH):
                count()

    middleware = metrics.RequestMetricsMiddleware(view)
    bare = per_call_us(lambda: view(request), calls)
    return {
        "latency middleware": per_call_us(lambda: middleware(request), calls) - bare,
        "counter increment": per_call_us(metrics.BOOKINGS.labels(outcome="created").inc, calls),
        "count_on_commit in a transaction": per_call_us(count_in_transactions, calls // BATCH)
        / BATCH,
        "count_on_commit, no transaction": per_call_us(count, calls),
    }


def main() -> None:
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    mode = "multiprocess (mmap files)" if metrics.MULTIPROCESS_DIR else "single process"
    for name, cost in measure(calls).items():
        print(f"{mode:27} {name:34} {cost:6.2f} us/call")
    if not metrics.MULTIPROCESS_DIR:
        with tempfile.TemporaryDirectory() as directory:
            env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": directory}
            subprocess.run([sys.executable, __file__, str(calls)], env=env, check=True)


if __name__ == "__main__":
    main()
