"""Request guard micro-benchmark: what core.request_guard adds to one booking request.

Times, in this single process, the guard's checks of a POST /api/v1/bookings/ carrying a
typical booking body and the headers a mobile client sends (path, query, headers, size,
content type, then parsing and checking the JSON), next to DRF's stock JSON parse of the same
body, which the guard's parse replaces (DRF takes the guard's result). Prints microseconds
per request, the best of several rounds. No database or network.

Usage: python scripts/bench_guard.py [N]   (default 20000 requests a round)
"""

import json
import os
import sys
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.test import RequestFactory  # noqa: E402

from core.request_guard import RequestGuardMiddleware  # noqa: E402

ROUNDS = 5
BODY = json.dumps(
    {
        "campaign": 1842,
        "items": [{"ticket_type": 5531, "quantity": 2}, {"ticket_type": 5532, "quantity": 1}],
        "issuance": "separate",
        "holder_names": ["Ada Okafor", "Kwame Mensah", "Wanjiru Kamau"],
    }
)
HEADERS = {
    "HTTP_X_SESSION_TOKEN": "k3v9x2p7q1m8n4b6c0z5l2j7h9g3f1d8",
    "HTTP_IDEMPOTENCY_KEY": "3f2b9c1e-8d4a-4e6f-9b7c-2a1d5e8f0c3b",
    "HTTP_ACCEPT": "application/json",
    "HTTP_ACCEPT_ENCODING": "gzip",
    "HTTP_USER_AGENT": "TicketsApp/2.3 (Android 14)",
    "HTTP_X_REQUEST_ID": "a1b2c3d4e5f6",
    "HTTP_X_FORWARDED_FOR": "41.58.12.7",
    "HTTP_X_FORWARDED_PROTO": "https",
}


def best_microseconds(statement, number: int) -> float:
    return min(timeit.repeat(statement, number=number, repeat=ROUNDS)) / number * 1e6


def main(number: int) -> None:
    request = RequestFactory().post(
        "/api/v1/bookings/", BODY, content_type="application/json", **HEADERS
    )
    request.body  # noqa: B018  (read once, as Django's handler has it in memory already)
    check = RequestGuardMiddleware.check
    guard = best_microseconds(lambda: check(request), number)
    stock = best_microseconds(lambda: json.loads(request.body.decode()), number)
    print(f"booking body: {len(BODY)} bytes, {len(HEADERS)} client headers")
    print(f"guard checks and JSON parse: {guard:.1f} us per request")
    print(f"DRF's stock JSON parse it replaces: {stock:.1f} us per request")
    print(f"added by the guard: {guard - stock:.1f} us per request")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20000)
