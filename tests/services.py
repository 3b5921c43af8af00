"""Pytest plugin (loaded with `-p tests.services`): finds the real services or falls back.

It runs before Django's settings are read. Each service named by its environment variable
is probed. With REQUIRE_SERVICES=1 a service that does not answer stops the run, naming it.
Without it the suite falls back (SQLite, in-memory cache, in-process live availability and
tasks), skips the tests marked as needing the service, and says so loudly at the end.

Under pytest-xdist every worker gets its own Redis database and Celery queue, so workers
never see each other's cache keys, throttle counters or tasks.
"""

import os

import pytest

# The suite is configured by its environment alone: a developer's .env is not read (here, nor
# in the processes tests start), and failures of tests are not reported to Sentry.
os.environ["ENV_FILE"] = ""
os.environ.pop("SENTRY_DSN", None)

SERVICES = {
    # marker: (environment variable, human name)
    "postgres": ("DATABASE_URL", "PostgreSQL"),
    "redis": ("REDIS_URL", "Redis"),
    "rabbitmq": ("CELERY_BROKER_URL", "RabbitMQ"),
}
REQUIRED = os.environ.get("REQUIRE_SERVICES") == "1"
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
WORKER_NUMBER = int(WORKER.removeprefix("gw") or 0)


def _probe_postgres(url: str) -> None:
    import environ
    import psycopg

    config = environ.Env.db_url_config(url)
    if config["ENGINE"] != "django.db.backends.postgresql":
        raise RuntimeError(f"DATABASE_URL is not PostgreSQL ({config['ENGINE']})")
    psycopg.connect(
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        dbname="postgres",
        connect_timeout=3,
    ).close()


def _probe_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()


def _probe_rabbitmq(url: str) -> None:
    from kombu import Connection

    with Connection(url, connect_timeout=3) as conn:
        conn.ensure_connection(max_retries=1, timeout=3)


PROBES = {"postgres": _probe_postgres, "redis": _probe_redis, "rabbitmq": _probe_rabbitmq}


def _find_services() -> dict[str, str]:
    """Probe every service; return {marker: reason} for the ones that are unavailable."""
    unavailable = {}
    for marker, (variable, name) in SERVICES.items():
        url = os.environ.get(variable, "")
        if not url:
            unavailable[marker] = f"{name}: {variable} is not set"
            continue
        try:
            PROBES[marker](url)
        except Exception as exc:
            unavailable[marker] = f"{name} at {url} did not answer: {type(exc).__name__}: {exc}"
    return unavailable


UNAVAILABLE = _find_services()

if not REQUIRED:
    for marker in UNAVAILABLE:
        os.environ.pop(SERVICES[marker][0], None)

if "REDIS_URL" in os.environ:
    # redis://host:port/N: worker gwK uses database N + K (each run picks its own N).
    base, _, db = os.environ["REDIS_URL"].rpartition("/")
    first_db = int(db) if db.isdigit() else 0
    os.environ["REDIS_URL"] = f"{base}/{first_db + WORKER_NUMBER}"
os.environ["CELERY_TASK_DEFAULT_QUEUE"] = f"tests-{WORKER}-{os.getpid()}"
# Unit tests run tasks inline; the tests marked `rabbitmq` start a real worker.
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "1"
os.environ.setdefault("GOOGLE_CLIENT_ID", "test-client-id.apps.googleusercontent.com")
os.environ.setdefault("GOOGLE_CLIENT_SECRET", "test-secret")
os.environ.setdefault("FLUTTERWAVE_SECRET_HASH", "test-webhook-hash")
os.environ.setdefault("FLUTTERWAVE_SECRET_KEY", "FLWSECK_TEST-unit-tests")


def pytest_configure(config):
    if REQUIRED and UNAVAILABLE:
        reasons = "\n  ".join(UNAVAILABLE.values())
        pytest.exit(f"REQUIRE_SERVICES=1 but these services are unavailable:\n  {reasons}", 3)


def pytest_collection_modifyitems(config, items):
    for item in items:
        for marker, reason in UNAVAILABLE.items():
            if item.get_closest_marker(marker):
                item.add_marker(pytest.mark.skip(reason=f"needs {reason}"))
                break


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not UNAVAILABLE:
        return
    skipped = [
        report.nodeid
        for report in terminalreporter.stats.get("skipped", [])
        if "needs " in str(report.longrepr)
    ]
    writer = terminalreporter
    writer.section("SERVICES MISSING: TESTS SKIPPED", sep="!", red=True, bold=True)
    for reason in UNAVAILABLE.values():
        writer.line(f"  {reason}", red=True)
    writer.line(
        f"  {len(skipped)} test(s) needing them were skipped"
        " (REQUIRE_SERVICES=1 makes a missing service a failure).",
        red=True,
    )
    for nodeid in skipped:
        writer.line(f"    skipped: {nodeid}", yellow=True)
