"""pretix under the sell-out load of `make bench`, side by side (optional: README, Benchmarks).

Runs only when a pretix install is present (`PRETIX_VENV`, default /work/pretix-venv: a
separate virtualenv with `pip install pretix gunicorn`, never the product's). Creates the
PostgreSQL database `tk_pretix` if missing and migrates it (minutes the first time; kept for
later runs), creates a new organizer and event with one item whose quota is 500 seats and a
team API token, serves pretix with gunicorn (2 workers,
`BENCH_WORKERS`), and sends the same 1,000 one-seat orders from 50 concurrent clients with
the load generator of scripts/bench.py (pretix's REST API: `POST .../orders/`; its API has
no customer tokens, so the 50 clients share the team token and give 50 e-mail addresses).
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import requests
from bench import CAPACITY, CLIENTS, REQUESTS, WORKERS, drive, free_port, percentile

PRETIX_VENV = Path(os.environ.get("PRETIX_VENV", "/work/pretix-venv"))
DATABASE = "tk_pretix"

SETUP = """
from datetime import timedelta
from django.utils.timezone import now
from django_scopes import scopes_disabled
from pretix.base.models import Event, Item, Organizer, Quota, Team

with scopes_disabled():
    organizer = Organizer.objects.create(name="Bench", slug="%s")
    event = Event.objects.create(
        organizer=organizer, name="Sell-out", slug="sellout", currency="NGN",
        date_from=now() + timedelta(days=7), live=True,
    )
    item = Item.objects.create(event=event, name="General", default_price=25)
    quota = Quota.objects.create(event=event, name="General", size=%s)
    quota.items.add(item)
    team = Team.objects.create(
        organizer=organizer, name="API", all_events=True, all_event_permissions=True,
    )
    print("BENCH", team.tokens.create(name="bench").token, item.pk)
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


def main() -> None:
    python = PRETIX_VENV / "bin/python"
    if not (PRETIX_VENV / "bin/gunicorn").exists():
        print(f"\n== pretix: not installed at {PRETIX_VENV} (optional; README, Benchmarks)")
        return
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
        token, item = next(
            line.split()[1:] for line in setup.stdout.splitlines() if line.startswith("BENCH")
        )
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
        )
        base = f"http://127.0.0.1:{port}/api/v1/organizers/{organizer}/events/sellout"
        headers = {"Authorization": f"Token {token}"}
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if requests.get(f"{base}/", headers=headers, timeout=5).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                if time.monotonic() > deadline:
                    sys.exit("pretix did not answer within 60 s")
                time.sleep(0.5)
            bodies = [
                {
                    "email": f"customer{n % CLIENTS}@bench.local",
                    "locale": "en",
                    "sales_channel": "web",
                    "payment_provider": "manual",
                    "positions": [{"item": int(item)}],
                }
                for n in range(REQUESTS)
            ]
            results = drive(f"{base}/orders/", [headers] * CLIENTS, bodies)
            sold = requests.get(f"{base}/orders/?page_size=1", headers=headers, timeout=30)
        finally:
            server.terminate()
            server.wait(timeout=30)
    statuses: dict[int, int] = {}
    for code, _, _ in results:
        statuses[code] = statuses.get(code, 0) + 1
    ok = [r for r in results if r[0] == 201]
    latencies = [latency * 1000 for _, latency, _ in ok]
    sell_out = max(finished for _, _, finished in ok)
    print(f"\n== pretix {WORKERS} gunicorn workers: {REQUESTS} one-seat orders, {CLIENTS} clients")
    print(f"  statuses {dict(sorted(statuses.items()))}; orders in pretix: {sold.json()['count']}")
    print(f"  orders/s over the sell-out: {len(ok) / sell_out:.1f}")
    print(
        f"  latency of successful requests ms: p50 {percentile(latencies, 0.5):.1f}  "
        f"p90 {percentile(latencies, 0.9):.1f}  p99 {percentile(latencies, 0.99):.1f}"
    )


if __name__ == "__main__":
    main()
