"""Sell-out benchmark (`make bench`): many customers booking the same seats over HTTP.

Creates a fresh database `tk_bench` next to DATABASE_URL's, migrates it, makes 50 customers
with API tokens, and for each configuration of `CONFIGURATIONS` (plain; with JSON request
logs; production: request logs, RabbitMQ with a Celery worker and beat alongside, the default
throttle rates; production behind the proxy, as docker-compose runs it) starts uvicorn with
2 workers on a free port (or nginx in front of 2 one-process servers), warms it up, and fires
1,000 one-seat bookings at a fresh 500-seat ticket type from 50 concurrent clients; in
production, then the same with mixed multi-type bookings on a 4-type campaign. Prints
bookings/s over the sell-out, latency percentiles of the successful requests, status counts,
the oversold count (must be 0), `audit_inventory`, and the server CPU per booking request
(the server processes' CPU time over the run / requests). Then the stack's floor: served CPU
per request of GET /health, of an authenticated GET and of a booking that does not sell out.
Then, measured in-process: the queries of one booking request, the time spent holding the
ticket-type row locks, the ORM's own CPU in the hot queries, and the CPU each part that
production adds costs a booking request. Last, pretix under the same load when it is
installed (scripts/bench_pretix.py), with the ratios.
"""

import asyncio
import contextlib
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import local_proxy
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


def server_env(database_url: str, **throttles: str) -> dict:
    """The environment of the benchmarked server (production settings, local services), with
    the budgets of the measured scopes lifted."""
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
        **throttles,
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

    from accounts import services as accounts_services
    from accounts.models import Role

    call_command("migrate", verbosity=0)
    seller, _ = accounts_services.user_get_or_create(email="seller@bench.local")
    accounts_services.user_set_role(user=seller, role=Role.SELLER)
    tokens = []
    for number in range(CLIENTS):
        user, _ = accounts_services.user_get_or_create(email=f"customer{number}@bench.local")
        tokens.append(accounts_services.session_token_create(user=user))
    single = sale("bench-single", [("General", CAPACITY)])
    multi = sale("bench-multi", [("Floor", 200), ("Balcony", 150), ("Table", 100), ("VIP", 50)])
    spare = sale("bench-probe", [("Probe", 100000)])
    return tokens, single, multi, spare


def published_campaign(*, seller, slug: str, starts):
    """A published four-hour campaign of `seller` (the door benchmark uses it too)."""
    from campaigns.models import Campaign

    return Campaign.objects.create(
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


def sale(slug: str, types: list[tuple[str, int]]):
    """A published campaign a week away with these (name, capacity) ticket types."""
    from django.utils import timezone

    from accounts.models import User
    from campaigns.models import TicketType

    seller = User.objects.get(email="seller@bench.local")
    created = published_campaign(
        seller=seller, slug=slug, starts=timezone.now() + timedelta(days=7)
    )
    return created, [
        TicketType.objects.create(
            campaign=created, name=name, price="2500.00", capacity=capacity, max_per_booking=10
        )
        for name, capacity in types
    ]


def start_server(
    port: int, env: dict, *, log=None, wait: float = 60, workers: int = WORKERS
) -> subprocess.Popen:
    """uvicorn as production runs it (its access log off: the app logs each request itself,
    when LOG_LEVEL lets it), its output to `log` when given."""
    server = subprocess.Popen(  # noqa: S603 (fixed argv, no shell)
        [
            str(ROOT / ".venv/bin/uvicorn"),
            "config.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=log,
        stderr=log,
    )
    if answers(f"http://127.0.0.1:{port}/health", within=wait):
        return server
    server.terminate()
    sys.exit(f"uvicorn did not answer /health within {wait:.0f} s")


def answers(url: str, *, within: float, headers: dict | None = None) -> bool:
    """Whether `url` answers 200 within `within` seconds (a server starting up)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            if requests.get(url, headers=headers, timeout=5).status_code == 200:
                return True
        except requests.RequestException:
            pass
        time.sleep(0.2)
    return False


def drive(
    url: str, client_headers: list[dict], bodies: list, method: str = "POST"
) -> list[tuple[int, float, float]]:
    """POST every body once to `url` (or, with `method` "GET", fetch it once per entry of
    `bodies`) from one concurrent client per entry of `client_headers` (its credentials);
    (status, latency s, finished at).

    The clients are asyncio tasks on one aiohttp event loop, each with its own keep-alive
    connection: the load generator shares the machine's two cores with the server, so it
    must cost as little CPU as possible. (Also drives pretix: scripts/bench_pretix.py.)
    """
    return asyncio.run(_drive(url, client_headers, bodies, method))


async def _drive(url, client_headers, bodies, method):
    queue = list(reversed(bodies))
    results = []

    async def client(headers):
        connector = aiohttp.TCPConnector(limit=1)
        async with aiohttp.ClientSession(connector=connector, headers=headers) as session:
            while queue:
                body = queue.pop()
                sent = time.perf_counter()
                async with session.request(method, url, json=body) as response:
                    await response.read()
                finished = time.perf_counter()
                results.append((response.status, finished - sent, finished))

    began = time.perf_counter()
    await asyncio.gather(*(client(headers) for headers in client_headers))
    return [(code, latency, finished - began) for code, latency, finished in results]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def report(
    title: str, results, ticket_types, cpu_ms: float, others_ms: float | None, database_ms: float
):
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
    print(f"  server CPU per booking request: {cpu_ms:.2f} ms (web processes)", end="")
    print("" if others_ms is None else f", {others_ms:.2f} ms (Celery worker and beat)", end="")
    print(f", {database_ms:.2f} ms (PostgreSQL)")
    print("  audit_inventory: ", end="", flush=True)
    try:
        call_command("audit_inventory")
    except SystemExit:
        passed = False
    else:
        passed = oversold == 0 and reserved == sold
    summary = {
        "rate": len(ok) / sell_out,
        "p50": percentile(latencies, 0.5),
        "p99": percentile(latencies, 0.99),
        "cpu_ms": cpu_ms,
        "database_ms": database_ms,
    }
    return passed, summary


def measure_parts(token: str, ticket_type, rounds: int = 15, block: int = 20) -> None:
    """CPU per booking request in this process (Django's test client: the whole middleware
    chain, view, queries), with and without each part that production adds to the plain
    run, in interleaved blocks so that the machine's other load falls on both alike."""
    import logging
    from contextlib import ExitStack, contextmanager
    from unittest import mock

    from django.test import Client, override_settings

    from core.throttling import ScopedOrDefaultThrottle

    body = {
        "campaign": ticket_type.campaign_id,
        "items": [{"ticket_type": ticket_type.pk, "quantity": 1}],
    }
    requests_log = logging.getLogger("requests")

    @contextmanager
    def request_logs():
        handler = logging.FileHandler(os.devnull)
        handler.setFormatter(logging.getLogger().handlers[0].formatter)
        handler.addFilter(logging.getLogger().handlers[0].filters[0])
        requests_log.addHandler(handler)
        requests_log.setLevel(logging.INFO)
        requests_log.propagate = False  # to the null file only, not this script's output
        try:
            yield
        finally:
            requests_log.propagate = True
            requests_log.setLevel(logging.NOTSET)
            requests_log.removeHandler(handler)

    def no_throttles():
        return mock.patch.object(ScopedOrDefaultThrottle, "allow_request", lambda *a: True)

    def no_middleware():
        return override_settings(MIDDLEWARE=[])

    variants = {
        "plain (logs off)": [],
        "+ JSON request log line": [request_logs],
        "- throttle counting": [no_throttles],
        "- every middleware": [no_middleware],
    }
    spent = dict.fromkeys(variants, 0.0)
    for _ in range(rounds):
        for name, parts in variants.items():
            with ExitStack() as stack:
                for part in parts:
                    stack.enter_context(part())
                client = Client(HTTP_X_SESSION_TOKEN=token)
                client.post("/api/v1/bookings/", body, content_type="application/json")
                started = time.process_time()
                for _ in range(block):
                    response = client.post(
                        "/api/v1/bookings/", body, content_type="application/json"
                    )
                spent[name] += time.process_time() - started
                assert response.status_code == 201, response.content
    print("\n== CPU per booking request in-process, by part (interleaved, same process)")
    plain = spent["plain (logs off)"] * 1000 / (rounds * block)
    for name, seconds in spent.items():
        ms = seconds * 1000 / (rounds * block)
        print(f"  {name:<26} {ms:6.2f} ms  ({ms - plain:+.2f})")


def measure_orm_share(ticket_type, rounds: int = 300) -> None:
    """The ORM's own CPU in a booking's hot queries: each built and run as the booking service
    does, against the same SQL text run through a bare cursor (interleaved, medians of 3).
    What a hand-written hot path could save at most."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from bookings import inventory, services

    ids = [ticket_type.pk]
    user_id = User.objects.get(email="customer0@bench.local").pk

    def locked_section():
        with transaction.atomic():
            services._lock_to_reserve(ids)
            inventory.move_seats({ticket_type.pk: 0})

    print("\n== the ORM's own CPU in a booking's hot queries (in-process)")
    for name, through_orm in [
        ("unlocked pre-check", lambda: services._types_to_book(ids)),
        ("locked section (5 statements)", locked_section),
        ("the token's user", lambda: User.objects.get(pk=user_id)),
    ]:
        with CaptureQueriesContext(connection) as captured:
            through_orm()
        statements = [query["sql"] for query in captured.captured_queries]

        def through_cursor(statements=statements):
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)
                    if cursor.description:
                        cursor.fetchall()

        spent = {through_orm: [], through_cursor: []}
        for _ in range(3):
            for run in spent:
                started = time.process_time()
                for _ in range(rounds):
                    run()
                spent[run].append((time.process_time() - started) * 1000 / rounds)
        orm, bare = (statistics.median(values) for values in spent.values())
        print(f"  {name:<30} ORM {orm:5.2f} ms   same SQL, bare cursor {bare:5.2f} ms")


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


class Configuration(NamedTuple):
    name: str
    description: str
    env: dict
    with_celery: bool = False
    # WORKERS app servers of one process each behind nginx on deploy/nginx.conf.template, as
    # docker-compose runs them, instead of one uvicorn with WORKERS processes.
    behind_proxy: bool = False


CONFIGURATIONS = [
    Configuration("plain", "request logs off, no broker: periodic jobs in the web processes", {}),
    Configuration(
        "+ request logs", "plain with JSON request log lines (to a file)", {"LOG_LEVEL": "INFO"}
    ),
    Configuration(
        "production",
        "request logs, RabbitMQ with a Celery worker and beat alongside, default throttle rates",
        {"LOG_LEVEL": "INFO"},
        with_celery=True,
    ),
    Configuration(
        "behind the proxy",
        f"production, as docker-compose runs it: nginx (least_conn) in front of {WORKERS} app "
        "servers of one process each; nginx's CPU counts as web CPU",
        {"LOG_LEVEL": "INFO", "NUM_PROXIES": "1", "FORWARDED_ALLOW_IPS": "127.0.0.1"},
        with_celery=True,
        behind_proxy=True,
    ),
]


def production_env(env: dict) -> dict:
    """The default throttle rates, and a broker with its own queue so that other workers on
    the same RabbitMQ do not take the bench's tasks."""
    env = {k: v for k, v in env.items() if not k.startswith("THROTTLE_RATE_")}
    return {
        **env,
        "CELERY_BROKER_URL": os.environ.get(
            "CELERY_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//"
        ),
        "CELERY_TASK_DEFAULT_QUEUE": "tk-bench",
    }


def start_celery(env: dict, log, schedule: Path) -> list[subprocess.Popen]:
    celery = [str(ROOT / ".venv/bin/celery"), "-A", "config"]
    commands = [
        [*celery, "worker", "-l", "warning", "--concurrency", "2"],
        [*celery, "beat", "-l", "warning", "--schedule", str(schedule)],
    ]
    return [
        subprocess.Popen(  # noqa: S603 (fixed argv, no shell)
            command, cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=log
        )
        for command in commands
    ]


def process_tree(pid: int) -> list[int]:
    """`pid` and its descendants (Linux /proc). A thread or process that ends while it is
    read (a thread pool winding down) is passed over."""
    pids = [pid]
    with contextlib.suppress(FileNotFoundError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(FileNotFoundError):
                for child in (task / "children").read_text().split():
                    pids += process_tree(int(child))
    return pids


def settled(helpers: list[subprocess.Popen]) -> list[int]:
    """The processes of the worker and beat once they have started (their start-up CPU is
    not the cost of running alongside): when a second passes with almost no CPU spent."""
    pids = [pid for helper in helpers for pid in process_tree(helper.pid)]
    deadline = time.monotonic() + 120
    while helpers and time.monotonic() < deadline:
        before = cpu_seconds(pids)
        time.sleep(1)
        pids = [pid for helper in helpers for pid in process_tree(helper.pid)]
        if cpu_seconds(pids) - before < 0.05:
            break
    return pids


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time of these processes so far (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def database_backends() -> dict[int, float]:
    """`{pid: CPU seconds so far}` of the PostgreSQL backends serving the bench database
    (they run on this machine; a backend that ended in between is not counted)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        pids = [pid for (pid,) in cursor.fetchall()]
    found = {}
    for pid in pids:
        with contextlib.suppress(FileNotFoundError):
            found[pid] = cpu_seconds([pid])
    return found


def warm_up(base_url: str, tokens: list[str], probe_type) -> None:
    """Two bookings per client at a spare campaign: an on-sale meets servers that are already
    running (threads, database pool, caches), so the measured run does too."""
    drive(
        f"{base_url}/api/v1/bookings/",
        [{"X-Session-Token": t} for t in tokens],
        one_seat_bodies(probe_type)[: 2 * len(tokens)],
    )


def measured_drive(
    base_url,
    tokens,
    bodies,
    web: list[int],
    others: list[int],
    path: str = "/api/v1/bookings/",
    method: str = "POST",
):
    """`drive` (bookings unless `path` and `method` say otherwise), and the CPU ms per
    request of the web processes, of the others (worker and beat) and of PostgreSQL's
    backends."""
    web_before, others_before = cpu_seconds(web), cpu_seconds(others)
    database_before = database_backends()
    results = drive(f"{base_url}{path}", [{"X-Session-Token": t} for t in tokens], bodies, method)
    database_after = database_backends()
    database_spent = sum(database_after.values()) - sum(
        database_before.get(pid, 0.0) for pid in database_after
    )
    return (
        results,
        (cpu_seconds(web) - web_before) * 1000 / len(bodies),
        (cpu_seconds(others) - others_before) * 1000 / len(bodies),
        database_spent * 1000 / len(bodies),
    )


def one_seat_bodies(ticket_type) -> list[dict]:
    item = {"ticket_type": ticket_type.pk, "quantity": 1}
    return [{"campaign": ticket_type.campaign_id, "items": [item]}] * REQUESTS


def mixed_bodies(campaign, ticket_types) -> list[dict]:
    rng = random.Random(7)
    bodies = []
    for _ in range(REQUESTS):
        chosen = rng.sample(ticket_types, rng.randint(1, 3))
        rng.shuffle(chosen)
        bodies.append(
            {
                "campaign": campaign.pk,
                "items": [{"ticket_type": t.pk, "quantity": rng.randint(1, 2)} for t in chosen],
                "issuance": rng.choice(["single", "separate"]),
            }
        )
    return bodies


def run_configuration(
    number: int, configuration, env: dict, tokens, probe_type, logs: Path
) -> tuple[bool, dict]:
    """The 1-type sell-out on a fresh campaign under one configuration (and, in production,
    the mixed one too); prints them and returns (passed, summary of the 1-type run)."""
    name, description, extra, with_celery, behind_proxy = configuration
    env = {**(production_env(env) if with_celery else env), **extra}
    _, single_types = sale(f"bench-{number}-single", [("General", CAPACITY)])
    multi, multi_types = sale(
        f"bench-{number}-multi", [("Floor", 200), ("Balcony", 150), ("Table", 100), ("VIP", 50)]
    )
    port = free_port()
    with (
        open(logs / f"{number}-web.log", "w") as web_log,
        open(logs / f"{number}-celery.log", "w") as celery_log,
    ):
        if behind_proxy:
            servers = proxied_servers(port, env, web_log, logs / f"{number}-proxy")
        else:
            servers = [start_server(port, env, log=web_log)]
        helpers = start_celery(env, celery_log, logs / f"{number}-beat") if with_celery else []
        web = [pid for server in servers for pid in process_tree(server.pid)]
        others = settled(helpers)
        base_url = f"http://127.0.0.1:{port}"
        print(f"\n#### {name}: {description}")
        try:
            warm_up(base_url, tokens, probe_type)
            results, web_ms, others_ms, database_ms = measured_drive(
                base_url, tokens, one_seat_bodies(single_types[0]), web, others
            )
            passed, summary = report(
                f"{REQUESTS} one-seat bookings, {CLIENTS} clients, 1 type of {CAPACITY} seats",
                results,
                single_types,
                web_ms,
                others_ms if helpers else None,
                database_ms,
            )
            if with_celery:
                warm_up(base_url, tokens, probe_type)
                results, web_ms, others_ms, database_ms = measured_drive(
                    base_url, tokens, mixed_bodies(multi, multi_types), web, others
                )
                passed &= report(
                    f"{REQUESTS} mixed bookings (1-3 types, 1-2 seats each), {CLIENTS} clients, "
                    f"4 types of {sum(t.capacity for t in multi_types)} seats",
                    results,
                    multi_types,
                    web_ms,
                    others_ms,
                    database_ms,
                )[0]
        finally:
            for process in [*servers, *helpers]:
                process.terminate()
            for process in [*servers, *helpers]:
                process.wait(timeout=30)
    return passed, {"name": name, "production": with_celery, **summary}


def measure_floor(env: dict, tokens, probe_type, logs: Path) -> None:
    """What the stack costs before a booking's own work: served web CPU per request and
    requests/s of GET /health (no user; its database and cache checks), of an authenticated
    GET of the caller's profile (the token's session and user, a serializer), and of a
    one-seat booking at a type that does not sell out, each 1,000 times from the 50 clients,
    in the "+ request logs" configuration."""
    port = free_port()
    with open(logs / "floor-web.log", "w") as web_log:
        server = start_server(port, {**env, "LOG_LEVEL": "INFO"}, log=web_log)
        web = process_tree(server.pid)
        base_url = f"http://127.0.0.1:{port}"
        booking = one_seat_bodies(probe_type)
        kinds = [
            ("GET /health", "GET", "/health", [None] * REQUESTS),
            ("GET /api/v1/auth/profile/", "GET", "/api/v1/auth/profile/", [None] * REQUESTS),
            ("POST /api/v1/bookings/, one seat", "POST", "/api/v1/bookings/", booking),
        ]
        try:
            warm_up(base_url, tokens, probe_type)
            print(f"\n== the stack's floor: {REQUESTS} requests each, {CLIENTS} clients")
            print("  request                              requests/s    web CPU ms/request")
            for title, method, path, bodies in kinds:
                results, spent, _, _ = measured_drive(
                    base_url, tokens, bodies, web, [], path, method
                )
                rate = len(results) / max(finished for _, _, finished in results)
                statuses = sorted({code for code, _, _ in results})
                print(f"  {title:<36}{rate:>11.1f}{spent:>14.2f}   statuses {statuses}")
        finally:
            server.terminate()
            server.wait(timeout=30)


def proxied_servers(port: int, env: dict, log, workdir: Path) -> list[subprocess.Popen]:
    """WORKERS one-process app servers, and nginx on the committed proxy template in front of
    them on `port` (nginx last)."""
    nginx = local_proxy.nginx_binary()
    if nginx is None:
        sys.exit("nginx is missing: make install installs it")
    app_ports = [free_port() for _ in range(WORKERS)]
    servers = [start_server(app_port, env, log=log, workers=1) for app_port in app_ports]
    workdir.mkdir()
    main = local_proxy.write_config(
        workdir,
        listen=f"127.0.0.1:{port}",
        upstreams=[f"127.0.0.1:{app_port}" for app_port in app_ports],
        body_limit=1024 * 1024,
    )
    servers.append(local_proxy.start(nginx, workdir, main))
    if answers(f"http://127.0.0.1:{port}/health", within=30):
        return servers
    for server in servers:
        server.terminate()
    sys.exit(f"nginx did not answer: {(workdir / 'error.log').read_text()}")


def main() -> None:
    base = os.environ.get("DATABASE_URL", "")
    database_url = bench_database_url(base)
    recreate_database(database_url)
    env = server_env(database_url)
    setup_django(env)
    from django.core.cache import cache

    cache.clear()
    tokens, _, _, (_, probe_types) = seed()
    passed, rows = True, []
    with tempfile.TemporaryDirectory(prefix="tk-bench-") as logs:
        for number, configuration in enumerate(CONFIGURATIONS):
            cache.clear()  # throttle counters of the previous run
            ok, row = run_configuration(
                number, configuration, env, tokens, probe_types[0], Path(logs)
            )
            passed &= ok
            rows.append(row)
        print("\n== the 1-type sell-out by configuration (each on a fresh campaign, one run)")
        print("  configuration       bookings/s    p50 ms    p99 ms    web CPU ms/request")
        for row in rows:
            print(
                f"  {row['name']:<18}{row['rate']:>12.1f}{row['p50']:>10.0f}{row['p99']:>10.0f}"
                f"{row['cpu_ms']:>14.2f} ({row['cpu_ms'] - rows[0]['cpu_ms']:+.2f})"
            )
        cache.clear()
        measure_floor(env, tokens, probe_types[0], Path(logs))
    measure_hot_path(tokens[0], probe_types[0])
    measure_orm_share(probe_types[0])
    measure_parts(tokens[0], probe_types[0])
    side_by_side([row for row in rows if row["production"]])
    sys.exit(0 if passed else 1)


def side_by_side(products: list[dict]) -> None:
    """pretix under the same load in this run, when installed, against the production rows."""
    import bench_pretix

    pretix = bench_pretix.measure()
    if pretix is None:
        return
    print("\n== side by side, 1-type sell-out, this run (the product in production)")
    print("  server                 orders/s    p50 ms    p99 ms    server CPU ms/request")
    for row in [*products, {**pretix, "name": "pretix"}]:
        print(
            f"  {row['name']:<20}{row['rate']:>11.1f}{row['p50']:>10.0f}{row['p99']:>10.0f}"
            f"{row['cpu_ms']:>14.2f}"
        )
    for product in products:
        print(
            f"  {product['name']}: {product['rate'] / pretix['rate']:.1f}x pretix's orders/s, "
            f"a p99 {pretix['p99'] / product['p99']:.1f}x shorter, "
            f"{pretix['cpu_ms'] / product['cpu_ms']:.1f}x less server CPU per request"
        )


if __name__ == "__main__":
    main()
