"""Door benchmark (`make bench`): paired scanner devices validating tickets over HTTP.

Uses a fresh database `tk_bench_door` beside DATABASE_URL's, pairs 200
scanner devices to one campaign and starts uvicorn with 2 workers. Then:
- 200 concurrent scanners, each with its own device token and keep-alive connection, scan
  10 distinct single-entry tickets each (2,000 scans, every one admitted once);
- 50 scanners scan 10 multi-entry tickets (80 entries each) 20 times each (1,000 scans on
  10 hot rows: 800 admitted, 200 already used, no ticket past its allowance).
Prints scans/s, latency percentiles, results, and the queries of one scan request.
"""

import asyncio
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402  (the sibling script)
from bench import (  # noqa: E402
    bench_database_url,
    free_port,
    percentile,
    published_campaign,
    recreate_database,
    server_env,
    setup_django,
    start_server,
)

SCANNERS = 200
TICKETS_EACH = 10
HOT_SCANNERS = 50
HOT_TICKETS = 10
HOT_ALLOWANCE = 80
HOT_SCANS_EACH = 20
PROBES = 201  # tickets scanned in-process for the hot path


def seed():
    """A campaign with 2,000 single-entry and 10 multi-entry tickets, 200 paired devices."""
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from accounts import services as accounts_services
    from accounts.models import Role
    from bookings.models import Booking, Ticket
    from bookings.tickets.services import tickets_assign_tokens
    from campaigns.models import TicketType
    from campaigns.services import campaign_key_rotate
    from validation import services

    call_command("migrate", verbosity=0)
    seller, _ = accounts_services.user_get_or_create(email="door-seller@bench.local")
    accounts_services.user_set_role(user=seller, role=Role.SELLER)
    customer, _ = accounts_services.user_get_or_create(email="door-guest@bench.local")
    starts = timezone.now() + timedelta(hours=1)
    campaign = published_campaign(seller=seller, slug="door-bench", starts=starts)
    campaign_key_rotate(campaign_id=campaign.pk)

    def tickets(name, count, allowance):
        ticket_type = TicketType.objects.create(
            campaign=campaign,
            name=name,
            price="2500.00",
            capacity=count,
            reserved=count,
            scans_allowed=allowance,
        )
        with transaction.atomic():
            booking = Booking.objects.create(
                customer=customer,
                campaign=campaign,
                status=Booking.Status.CONFIRMED,
                issuance=Booking.Issuance.SEPARATE,
                total="0.00",
                currency="NGN",
                expires_at=timezone.now(),
                confirmed_at=timezone.now(),
            )
            created = Ticket.objects.bulk_create(
                Ticket(booking=booking, ticket_type=ticket_type, scans_allowed=allowance)
                for _ in range(count)
            )
            return [t.qr_token for t in tickets_assign_tokens(created, campaign_id=campaign.pk)]

    single = tickets("Entry", SCANNERS * TICKETS_EACH + PROBES, 1)
    hot = tickets("Season pass", HOT_TICKETS, HOT_ALLOWANCE)
    tokens = []
    for number in range(SCANNERS):
        _, secret = services.device_add(campaign=campaign, name=f"Gate {number}", user=seller)
        tokens.append(services.device_pair(pairing_code=secret.code)[1])
    return campaign, tokens, single, hot


def drive(
    base_url: str, run: str, work: list[tuple[str, list[str]]]
) -> list[tuple[int, str, float, float]]:
    """Each (device token, codes) is one scanner sending its codes in turn over its own
    keep-alive connection, all scanners at once; (status, result, latency s, finished at).
    `run` makes the nonces of each run its own (a nonce seen before is a replay)."""
    return asyncio.run(_drive(base_url, run, work))


async def _drive(base_url, run, work):
    results = []
    url = f"{base_url}/api/v1/validation/scan/"

    async def scanner(number, token, codes):
        connector = aiohttp.TCPConnector(limit=1)
        async with aiohttp.ClientSession(
            connector=connector, headers={"X-Device-Token": token}
        ) as session:
            for index, code in enumerate(codes):
                body = {
                    "qr": code,
                    "device_id": f"gate-{number}",
                    "nonce": f"{run}-{number:03d}-{index:03d}",
                }
                sent = time.perf_counter()
                async with session.post(url, json=body) as response:
                    answer = await response.json()
                finished = time.perf_counter()
                results.append(
                    (response.status, answer.get("result", ""), finished - sent, finished)
                )

    began = time.perf_counter()
    await asyncio.gather(
        *(scanner(number, token, codes) for number, (token, codes) in enumerate(work))
    )
    return [(code, result, latency, end - began) for code, result, latency, end in results]


def report(title: str, results) -> dict:
    elapsed = max(end for *_, end in results)
    latencies = [latency * 1000 for _, _, latency, _ in results]
    outcome: dict[str, int] = {}
    for status, result, _, _ in results:
        key = result if status == 200 else f"HTTP {status}"
        outcome[key] = outcome.get(key, 0) + 1
    print(f"\n== {title}")
    print(f"  scans {len(results)} in {elapsed:.2f} s: {len(results) / elapsed:.1f} scans/s")
    print(
        "  latency ms: "
        f"p50 {percentile(latencies, 0.5):.1f}  p90 {percentile(latencies, 0.9):.1f}  "
        f"p99 {percentile(latencies, 0.99):.1f}  max {max(latencies):.1f}"
    )
    print(f"  results {dict(sorted(outcome.items()))}")
    return outcome


def measure_hot_path(token: str, codes: list[str]) -> None:
    """Queries of one scan request, and the server CPU a scan takes in this process (a figure
    that other load on the machine changes far less than latency)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_X_DEVICE_TOKEN=token)

    def scan(code):
        body = {"qr": code, "device_id": "probe"}
        response = client.post("/api/v1/validation/scan/", body, content_type="application/json")
        assert response.status_code == 200, response.content

    with CaptureQueriesContext(connection) as queries:
        scan(codes[0])
    print(f"\n== hot path\n  queries per scan request (device token, admitted): {len(queries)}")
    for query in queries.captured_queries:
        print(f"    {query['sql'][:90]}")
    started = time.process_time()
    for code in codes[1:]:
        scan(code)
    cpu_ms = (time.process_time() - started) * 1000 / (len(codes) - 1)
    print(f"  CPU per scan request, in-process (client included): {cpu_ms:.1f} ms")


def main() -> None:
    bench.BENCH_DB = "tk_bench_door"
    database_url = bench_database_url(os.environ.get("DATABASE_URL", ""))
    recreate_database(database_url)
    env = server_env(database_url, THROTTLE_RATE_SCAN="100000/min")
    setup_django(env)
    from django.core.cache import cache

    from bookings.models import Ticket

    cache.clear()
    campaign, tokens, single, hot = seed()
    single, probe = single[:-PROBES], single[-PROBES:]
    port = free_port()
    # Two hundred paired devices seed slowly on a busy machine; so may the server start.
    server = start_server(port, env, wait=180)
    base_url = f"http://127.0.0.1:{port}"
    try:
        distinct = [
            (token, single[n * TICKETS_EACH : (n + 1) * TICKETS_EACH])
            for n, token in enumerate(tokens)
        ]
        first = report(
            f"{SCANNERS} scanners, {TICKETS_EACH} distinct single-entry tickets each",
            drive(base_url, "distinct", distinct),
        )
        shared = [
            (token, [hot[(n + i) % HOT_TICKETS] for i in range(HOT_SCANS_EACH)])
            for n, token in enumerate(tokens[:HOT_SCANNERS])
        ]
        second = report(
            f"{HOT_SCANNERS} scanners, {HOT_TICKETS} tickets of {HOT_ALLOWANCE} entries, "
            f"{HOT_SCANS_EACH} scans each",
            drive(base_url, "shared", shared),
        )
    finally:
        server.terminate()
        server.wait(timeout=20)
    used = sorted(
        Ticket.objects.filter(
            ticket_type__campaign=campaign, scans_allowed=HOT_ALLOWANCE
        ).values_list("scans_used", flat=True)
    )
    print(f"  entries counted per multi-entry ticket: {used}")
    passed = first == {"valid": SCANNERS * TICKETS_EACH} and second == {
        "valid": HOT_TICKETS * HOT_ALLOWANCE,
        "already_used": HOT_SCANNERS * HOT_SCANS_EACH - HOT_TICKETS * HOT_ALLOWANCE,
    }
    passed &= used == [HOT_ALLOWANCE] * HOT_TICKETS
    measure_hot_path(tokens[0], probe)
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
