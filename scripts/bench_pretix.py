"""pretix under the sell-out load of `make bench`, side by side (optional: README, Benchmarks).

Runs only when a pretix install is present (`PRETIX_VENV`, default /work/pretix-venv: a
separate virtualenv with `pip install pretix gunicorn`, never the product's). Creates the
PostgreSQL database `tk_pretix` if missing and migrates it (minutes the first time; kept for
later runs), creates a new organizer with a sell-out event (one item, a 500-seat quota), a
warm-up event and a team API token, serves pretix with its defaults under gunicorn (2
workers, `BENCH_WORKERS`), warms it with 100 orders at the warm-up event, then sends the same
1,000 one-seat orders from 50 concurrent clients with the load generator of scripts/bench.py
(pretix's REST API: `POST .../orders/`; its API has no customer tokens, so the 50 clients
share the team token and give 50 e-mail addresses). scripts/bench.py runs it after the
product's configurations and prints the ratios; it also runs alone."""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import requests
from bench import (
    CAPACITY,
    CLIENTS,
    REQUESTS,
    WORKERS,
    answers,
    cpu_seconds,
    drive,
    free_port,
    percentile,
    process_tree,
)

PRETIX_VENV = Path(os.environ.get("PRETIX_VENV", "/work/pretix-venv"))
DATABASE = "tk_pretix"

SETUP = """
from datetime import timedelta
from django.utils.timezone import now
from django_scopes import scopes_disabled
from pretix.base.models import Event, Item, Organizer, Quota, Team

def sale(organizer, slug, seats):
    event = Event.objects.create(
        organizer=organizer, name=slug, slug=slug, currency="NGN",
        date_from=now() + timedelta(days=7), live=True,
    )
    item = Item.objects.create(event=event, name="General", default_price=25)
    quota = Quota.objects.create(event=event, name="General", size=seats)
    quota.items.add(item)
    return item

with scopes_disabled():
    organizer = Organizer.objects.create(name="Bench", slug="%s")
    item = sale(organizer, "sellout", %s)
    warm_up = sale(organizer, "warmup", 100000)
    team = Team.objects.create(
        organizer=organizer, name="API", all_events=True, all_event_permissions=True,
    )
    print("BENCH", team.tokens.create(name="bench").token, item.pk, warm_up.pk)
"""


def config(directory: Path, database_url: str, port: int) -> Path:
    db = urlsplit(database_url)
    path = directory / "pretix.cfg"
    path.write_text(
        f"[pretix]\ninstance_name=bench\nurl=http://127.0.0.1:{port}\ndatadir={directory}\n"
        f"[database]\nbackend=postgresql\nname={DATABASE}\nuser={db.username or ''}\n"
        f"password={db.password or ''}\nhost={db.hostname}\nport={db.port or 5432}\n"
        "[mail]\nfrom=bench@localhost\nhost=127.0.0.1\nport=1\n[django]\ndebug=off\n"
    )
    return path


def create_database(database_url: str) -> None:
    db = urlsplit(database_url)
    with psycopg.connect(
        host=db.hostname,
        port=db.port or 5432,
        user=db.username,
        password=db.password,
        dbname="postgres",
        autocommit=True,
    ) as admin:
        query = "SELECT 1 FROM pg_database WHERE datname = %s"
        if admin.execute(query, [DATABASE]).fetchone() is None:
            admin.execute(f"CREATE DATABASE {DATABASE}")


def order_bodies(item: int, count: int) -> list[dict]:
    """One-seat orders, paid later by hand (pretix's built-in `manual` provider leaves the
    order pending, as a product booking is a hold), from 50 e-mail addresses."""
    return [
        {
            "email": f"customer{n % CLIENTS}@bench.local",
            "locale": "en",
            "sales_channel": "web",
            "payment_provider": "manual",
            "positions": [{"item": item}],
        }
        for n in range(count)
    ]


def measure() -> dict | None:
    """The sell-out against pretix: `{rate, p50, p99, cpu_ms, statuses, sold}`, or None when
    no pretix install is present."""
    python = PRETIX_VENV / "bin/python"
    if not (PRETIX_VENV / "bin/gunicorn").exists():
        print(f"\n== pretix: not installed at {PRETIX_VENV} (optional; README, Benchmarks)")
        return None
    database_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/x")
    create_database(database_url)
    organizer = f"bench{int(time.time())}"
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="tk-pretix-") as directory:
        env = {**os.environ, "PRETIX_CONFIG_FILE": str(config(Path(directory), database_url, port))}
        env.pop("DJANGO_SETTINGS_MODULE", None)
        run = {"env": env, "cwd": directory, "check": True, "capture_output": True, "text": True}
        subprocess.run([python, "-m", "pretix", "migrate", "--noinput"], **run)  # noqa: S603
        setup = subprocess.run(
            [python, "-m", "pretix", "shell"], input=SETUP % (organizer, CAPACITY), **run
        )  # noqa: S603
        token, item, warm_up_item = next(
            line.split()[1:] for line in setup.stdout.splitlines() if line.startswith("BENCH")
        )
        with open(Path(directory) / "gunicorn.log", "w") as log:
            server = subprocess.Popen(  # noqa: S603 (fixed argv)
                [
                    PRETIX_VENV / "bin/gunicorn",
                    "pretix.wsgi",
                    "--workers",
                    str(WORKERS),
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--log-level",
                    "warning",
                ],
                env=env,
                cwd=directory,
                stdout=log,
                stderr=log,
            )
        events = f"http://127.0.0.1:{port}/api/v1/organizers/{organizer}/events"
        headers = {"Authorization": f"Token {token}"}
        try:
            if not answers(f"{events}/sellout/", within=60, headers=headers):
                sys.exit("pretix did not answer within 60 s")
            # Warm, like the product's servers: two orders per client at another event.
            drive(
                f"{events}/warmup/orders/",
                [headers] * CLIENTS,
                order_bodies(int(warm_up_item), 2 * CLIENTS),
            )
            workers = process_tree(server.pid)
            cpu_before = cpu_seconds(workers)
            results = drive(
                f"{events}/sellout/orders/", [headers] * CLIENTS, order_bodies(int(item), REQUESTS)
            )
            cpu_ms = (cpu_seconds(workers) - cpu_before) * 1000 / REQUESTS
            sold = requests.get(
                f"{events}/sellout/orders/?page_size=1", headers=headers, timeout=30
            ).json()["count"]
        finally:
            server.terminate()
            server.wait(timeout=30)
    statuses: dict[int, int] = {}
    for code, _, _ in results:
        statuses[code] = statuses.get(code, 0) + 1
    ok = [r for r in results if r[0] == 201]
    latencies = [latency * 1000 for _, latency, _ in ok]
    sell_out = max(finished for _, _, finished in ok)
    summary = {
        "rate": len(ok) / sell_out,
        "p50": percentile(latencies, 0.5),
        "p99": percentile(latencies, 0.99),
        "cpu_ms": cpu_ms,
        "statuses": dict(sorted(statuses.items())),
        "sold": sold,
    }
    print(f"\n== pretix, {WORKERS} gunicorn workers: {REQUESTS} one-seat orders, {CLIENTS} clients")
    print(f"  statuses {summary['statuses']}; orders in pretix: {sold}")
    print(f"  orders/s over the sell-out: {summary['rate']:.1f}")
    print(
        f"  latency of successful requests ms: p50 {summary['p50']:.1f}  "
        f"p90 {percentile(latencies, 0.9):.1f}  p99 {summary['p99']:.1f}"
    )
    print(f"  server CPU per order request: {cpu_ms:.2f} ms (gunicorn processes)")
    return summary


if __name__ == "__main__":
    measure()
