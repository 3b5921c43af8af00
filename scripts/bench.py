"""Sell-out benchmark (`make bench`): many customers booking the same seats over HTTP.

Creates a fresh database `tk_bench` next to DATABASE_URL's, migrates it, makes 50 customers
with API tokens and a campaign, starts uvicorn with 2 workers on a free port, and fires
1,000 one-seat bookings at a 500-seat ticket type from 50 concurrent clients; then the same
with mixed multi-type bookings on a 4-type campaign. Prints bookings/s over the sell-out,
latency percentiles of the successful requests, status counts, the oversold count (must be
0) and `audit_inventory`; and, measured in-process, the queries of one booking request and
the time spent holding the ticket-type row locks.
"""

import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = "tk_bench"
CLIENTS = 50
REQUESTS = 1000
CAPACITY = 500
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))


def bench_database_url(base_url: str) -> str:
    parts = urlsplit(base_url)
    if not parts.scheme.startswith("postgres"):
        sys.exit("make bench needs DATABASE_URL pointing at PostgreSQL")
    return urlunsplit(parts._replace(path=f"/{BENCH_DB}"))


def recreate_database(url: str) -> None:
    parts = urlsplit(url)
    admin = psycopg.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username,
        password=parts.password,
        dbname="postgres",
        autocommit=True,
    )
    with admin:
        admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {BENCH_DB}")


def server_env(database_url: str) -> dict:
    return {
        "DATABASE_URL": database_url,
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "LOG_LEVEL": "WARNING",
        "THROTTLE_RATE_BOOKING": "100000/min",
        "THROTTLE_RATE_USER": "100000/min",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def setup_django(env: dict) -> None:
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def seed():
    """50 customers with tokens, a 1-type and a 4-type campaign, both on sale."""
    from django.core.management import call_command
    from django.utils import timezone

    from accounts import services as accounts_services
    from accounts.models import Role
    from campaigns.models import Campaign, TicketType

    call_command("migrate", verbosity=0)
    seller, _ = accounts_services.user_get_or_create(email="seller@bench.local")
    accounts_services.user_set_role(user=seller, role=Role.SELLER)
    tokens = []
    for number in range(CLIENTS):
        user, _ = accounts_services.user_get_or_create(email=f"customer{number}@bench.local")
        tokens.append(accounts_services.session_token_create(user=user))
    starts = timezone.now() + timedelta(days=7)

    def campaign(slug, types):
        created = Campaign.objects.create(
            seller=seller,
            title=slug,
            slug=slug,
            venue_type="event",
            venue_name="Bench Hall",
            city="Lagos",
            country="NG",
            starts_at=starts,
            ends_at=starts + timedelta(hours=4),
            currency="NGN",
            status=Campaign.Status.PUBLISHED,
        )
        return created, [
            TicketType.objects.create(
                campaign=created, name=name, price="2500.00", capacity=capacity, max_per_booking=10
            )
            for name, capacity in types
        ]

    single = campaign("bench-single", [("General", CAPACITY)])
    multi = campaign("bench-multi", [("Floor", 200), ("Balcony", 150), ("Table", 100), ("VIP", 50)])
    spare = campaign("bench-probe", [("Probe", 100000)])
    return tokens, single, multi, spare


def start_server(port: int, env: dict) -> subprocess.Popen:
    server = subprocess.Popen(  # noqa: S603 (fixed argv, no shell)
        [
            str(ROOT / ".venv/bin/uvicorn"),
            "config.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(WORKERS),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=ROOT,
        env={**os.environ, **env},
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/health", timeout=5).status_code < 500:
                return server
        except requests.RequestException:
            pass
        time.sleep(0.2)
    server.terminate()
    sys.exit("uvicorn did not answer /health within 30 s")


def drive(base_url: str, tokens: list[str], bodies: list[dict]) -> list[tuple[int, float, float]]:
    """Send every body once from CLIENTS concurrent clients; (status, latency s, finished at).

    The clients are asyncio tasks on one aiohttp event loop, each with its own keep-alive
    connection and token: the load generator shares the machine's two cores with the server,
    so it must cost as little CPU as possible.
    """
    return asyncio.run(_drive(base_url, tokens, bodies))


async def _drive(base_url, tokens, bodies):
    queue = list(reversed(bodies))
    results = []
    url = f"{base_url}/api/v1/bookings/"

    async def client(token):
        connector = aiohttp.TCPConnector(limit=1)
        async with aiohttp.ClientSession(
            connector=connector, headers={"X-Session-Token": token}
        ) as session:
            while queue:
                body = queue.pop()
                sent = time.perf_counter()
                async with session.post(url, json=body) as response:
                    await response.read()
                finished = time.perf_counter()
                results.append((response.status, finished - sent, finished))

    began = time.perf_counter()
    await asyncio.gather(*(client(token) for token in tokens))
    return [(code, latency, finished - began) for code, latency, finished in results]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def report(title: str, results, ticket_types) -> bool:
    from django.core.management import call_command

    from bookings.models import Booking, BookingItem

    ok = [r for r in results if r[0] == 201]
    statuses: dict[int, int] = {}
    for code, _, _ in results:
        statuses[code] = statuses.get(code, 0) + 1
    sell_out = max(finished for _, _, finished in ok)
    latencies = [latency * 1000 for _, latency, _ in ok]
    type_ids = [t.pk for t in ticket_types]
    for ticket_type in ticket_types:
        ticket_type.refresh_from_db()
    reserved = sum(t.reserved for t in ticket_types)
    capacity = sum(t.capacity for t in ticket_types)
    sold = sum(
        BookingItem.objects.filter(ticket_type_id__in=type_ids).values_list("quantity", flat=True)
    )
    oversold = max(0, reserved - capacity) + abs(
        Booking.objects.filter(items__ticket_type_id__in=type_ids).distinct().count() - len(ok)
    )
    print(f"\n== {title}")
    print(f"  requests {len(results)}, statuses {dict(sorted(statuses.items()))}")
    print(f"  bookings {len(ok)} ({sold} seats of {capacity}) sold out in {sell_out:.2f} s")
    print(f"  bookings/s over the sell-out: {len(ok) / sell_out:.1f}")
    print(
        "  latency of successful requests ms: "
        f"p50 {percentile(latencies, 0.5):.1f}  p90 {percentile(latencies, 0.9):.1f}  "
        f"p99 {percentile(latencies, 0.99):.1f}  max {max(latencies):.1f}"
    )
    print(f"  reserved {reserved} == seats sold {sold}; oversold: {oversold}")
    print("  audit_inventory: ", end="", flush=True)
    try:
        call_command("audit_inventory")
    except SystemExit:
        return False
    return oversold == 0 and reserved == sold


def measure_hot_path(token: str, ticket_type) -> None:
    """Queries of one booking request, and how long a booking holds the row locks."""
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from bookings import services

    client = Client(HTTP_X_SESSION_TOKEN=token)
    body = {
        "campaign": ticket_type.campaign_id,
        "items": [{"ticket_type": ticket_type.pk, "quantity": 1}],
    }
    client.post("/api/v1/bookings/", body, content_type="application/json")  # warm caches
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            "/api/v1/bookings/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="probe"
        )
    assert response.status_code == 201, response.content
    print(f"\n== hot path\n  queries per booking request (with Idempotency-Key): {len(queries)}")
    for query in queries.captured_queries:
        print(f"    {query['sql'][:90]}")

    held = []
    lock_started = []

    def timer(execute, sql, params, many, context):
        if "FOR UPDATE" in sql and not lock_started:
            lock_started.append(time.perf_counter())
            transaction.on_commit(lambda: held.append(time.perf_counter() - lock_started[0]))
        return execute(sql, params, many, context)

    customer = User.objects.get(email="customer0@bench.local")
    for _ in range(300):
        lock_started.clear()
        with connection.execute_wrapper(timer):
            services.booking_create(
                customer=customer,
                campaign_id=ticket_type.campaign_id,
                items=body["items"],
                issuance="single",
            )
    held_ms = [value * 1000 for value in held]
    print(
        f"  row locks held per booking (lock query to commit), ms: median "
        f"{statistics.median(held_ms):.2f}  p99 {percentile(held_ms, 0.99):.2f}"
    )


def main() -> None:
    base = os.environ.get("DATABASE_URL", "")
    database_url = bench_database_url(base)
    recreate_database(database_url)
    env = server_env(database_url)
    setup_django(env)
    from django.core.cache import cache

    cache.clear()
    tokens, (_, single_types), (multi, multi_types), (_, probe_types) = seed()
    port = free_port()
    server = start_server(port, env)
    base_url = f"http://127.0.0.1:{port}"
    try:
        general = single_types[0]
        one_seat = [
            {"campaign": general.campaign_id, "items": [{"ticket_type": general.pk, "quantity": 1}]}
        ] * REQUESTS
        passed = report(
            f"{REQUESTS} one-seat bookings, {CLIENTS} clients, 1 type of {CAPACITY} seats",
            drive(base_url, tokens, one_seat),
            single_types,
        )
        rng = random.Random(7)
        mixed = []
        for _ in range(REQUESTS):
            chosen = rng.sample(multi_types, rng.randint(1, 3))
            rng.shuffle(chosen)
            mixed.append(
                {
                    "campaign": multi.pk,
                    "items": [{"ticket_type": t.pk, "quantity": rng.randint(1, 2)} for t in chosen],
                    "issuance": rng.choice(["single", "separate"]),
                }
            )
        passed &= report(
            f"{REQUESTS} mixed bookings (1-3 types, 1-2 seats each), {CLIENTS} clients, "
            f"4 types of {sum(t.capacity for t in multi_types)} seats",
            drive(base_url, tokens, mixed),
            multi_types,
        )
    finally:
        server.terminate()
        server.wait(timeout=20)
    measure_hot_path(tokens[0], probe_types[0])
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
