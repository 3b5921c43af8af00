"""Hot-row benchmark (`make bench`): what PostgreSQL allows on one ticket type's row.

A booking takes its ticket type's row lock (`SELECT ... FOR UPDATE`), adds to `reserved` and
commits: bookings of one type queue on that row, whatever the number of app processes. This
runs pgbench against a scratch database (`tk_bench_hot_row`) with 50 clients for
`BENCH_HOT_ROW_SECONDS` (10) each, on the statements a booking runs under the lock, and
prints transactions per second:
- one row, the booking's locked section (lock, increment, commit): the ceiling of one type;
- the same spread over 8 rows of one type, each client locking a random one: the ceiling of
  a type whose capacity is split across inventory rows (README, Scaling past one machine);
- one row, a bare `UPDATE`: PostgreSQL's single-row update rate, for comparison.
"""

import os
import shutil
import subprocess
import sys
import tempfile
from urllib.parse import urlsplit, urlunsplit

import psycopg

DATABASE = "tk_bench_hot_row"
CLIENTS = 50
SECONDS = int(os.environ.get("BENCH_HOT_ROW_SECONDS", "10"))
ROWS_SPLIT = 8

LOCKED_SECTION = """\\set row random(1, {rows})
BEGIN;
SELECT capacity, reserved FROM inventory WHERE id = :row FOR UPDATE;
UPDATE inventory SET reserved = reserved + 1 WHERE id = :row;
COMMIT;
"""
BARE_UPDATE = "UPDATE inventory SET reserved = reserved + 1 WHERE id = 1;\n"


def prepare(url: str) -> None:
    parts = urlsplit(url)
    connect = {
        "host": parts.hostname,
        "port": parts.port or 5432,
        "user": parts.username,
        "password": parts.password,
    }
    with psycopg.connect(**connect, dbname="postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {DATABASE}")
    with psycopg.connect(**connect, dbname=DATABASE, autocommit=True) as db:
        db.execute("CREATE TABLE inventory (id int PRIMARY KEY, capacity int, reserved int)")
        db.execute(
            "INSERT INTO inventory SELECT n, 1000000000, 0 FROM generate_series(1, %s) n",
            [ROWS_SPLIT],
        )


def tps(url: str, script: str) -> float:
    with tempfile.NamedTemporaryFile("w", suffix=".sql") as file:
        file.write(script)
        file.flush()
        done = subprocess.run(  # noqa: S603 (fixed argv)
            [
                "pgbench",
                "--no-vacuum",
                f"--client={CLIENTS}",
                "--jobs=2",
                f"--time={SECONDS}",
                f"--file={file.name}",
                url,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    line = next(line for line in done.stdout.splitlines() if line.startswith("tps ="))
    return float(line.split()[2])


def main() -> None:
    if shutil.which("pgbench") is None:
        sys.exit("pgbench is missing (Debian: it comes with the postgresql package)")
    base = urlsplit(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/x"))
    url = urlunsplit(base._replace(path=f"/{DATABASE}"))
    prepare(url)
    print(f"\n== hot row (pgbench, {CLIENTS} clients, {SECONDS} s each, scratch table)")
    rows = [
        ("one type, one row: lock, increment, commit", LOCKED_SECTION.format(rows=1)),
        (
            f"one type split over {ROWS_SPLIT} rows, random row",
            LOCKED_SECTION.format(rows=ROWS_SPLIT),
        ),
        ("one row, bare UPDATE (autocommit)", BARE_UPDATE),
    ]
    for title, script in rows:
        print(f"  {title:<46} {tps(url, script):>8.0f} transactions/s")


if __name__ == "__main__":
    main()
