"""The production start-up, run the way a deployment runs it, for the tests of this folder.

`production_server` does what the Docker image and docker-compose do, on the real
PostgreSQL, Redis and RabbitMQ: DEBUG off with freshly made secrets, a new database,
`migrate`, `collectstatic`, then scripts/serve-web.sh (`check --deploy`, then uvicorn with
2 workers). It starts once per test process: the modules using it are named
test_production*.py, which pytest-xdist runs on one worker (tests/conftest.py), and carry the
`PRODUCTION` marks (a missing service fails them under REQUIRE_SERVICES=1, else skips them).
Everything it made goes at the end: processes, database, queue, files.
"""

import base64
import os
import secrets
import shutil
import signal
import subprocess
import sys
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
import requests
from kombu import Connection
from psycopg import sql

from tests.campaigns.conftest import campaign_payload
from tests.conftest import free_port, wait_until_healthy

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = [
    pytest.mark.production,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.rabbitmq,
]
# A TLS-terminating proxy says the client spoke HTTPS (the contract's SECURE_PROXY_SSL_HEADER).
PROXIED_HTTPS = {"X-Forwarded-Proto": "https"}


@dataclass
class ProductionServer:
    base_url: str
    env: dict[str, str]
    log_path: Path
    session: requests.Session = field(default_factory=requests.Session)

    def __post_init__(self):
        self.session.headers.update(PROXIED_HTTPS)

    def get(self, path: str, **kwargs) -> requests.Response:
        """GET through the proxy (X-Forwarded-Proto: https); redirects are not followed."""
        return self.session.get(self.base_url + path, allow_redirects=False, timeout=30, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        return self.session.post(self.base_url + path, allow_redirects=False, timeout=30, **kwargs)

    def manage(self, *args: str) -> str:
        """Runs a management command with the server's configuration; returns its stdout."""
        return _manage(*args, env=self.env)

    def token(self, email: str, role: str) -> str:
        """An X-Session-Token for `email` with `role`, from `create_api_token`."""
        return self.manage("create_api_token", email, "--role", role).splitlines()[-1]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def _start_manage(*args: str, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(command: subprocess.Popen) -> str:
    """Waits for a management command; fails the test with its output if it failed."""
    try:
        stdout, stderr = command.communicate(timeout=300)
    finally:
        command.kill()
    if command.returncode != 0:
        pytest.fail(
            f"{' '.join(command.args[1:])} exited {command.returncode}:\n{stdout}\n{stderr}"
        )
    return stdout


def _manage(*args: str, env: dict[str, str]) -> str:
    return _finish(_start_manage(*args, env=env))


def _maintenance_connection(database_url: str) -> psycopg.Connection:
    url = urlsplit(database_url)
    return psycopg.connect(
        host=url.hostname,
        port=url.port,
        user=url.username,
        password=url.password,
        dbname="postgres",
        autocommit=True,
        connect_timeout=5,
    )


def _create_database(database_url: str, name: str) -> str:
    """Creates the empty database `name` beside the one of `database_url`; returns its URL."""
    with _maintenance_connection(database_url) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return urlsplit(database_url)._replace(path=f"/{name}").geturl()


def _drop_database(database_url: str, name: str) -> None:
    with _maintenance_connection(database_url) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def _delete_queue(broker_url: str, queue: str) -> None:
    with Connection(broker_url, connect_timeout=5) as connection:
        connection.default_channel.queue_delete(queue)


def stop_process_group(server: subprocess.Popen) -> None:
    """Stops uvicorn and its workers (their own process group), forcibly after 15 s."""
    server.terminate()
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
    with suppress(ProcessLookupError):  # a worker that outlived its supervisor
        os.killpg(server.pid, signal.SIGKILL)


@contextmanager
def serve_web(env: dict[str, str], log_path: Path):
    """scripts/serve-web.sh (check --deploy, then uvicorn on UVICORN_PORT) with `env`, its
    output in `log_path`; yields its base URL once /health answers, stops it at the end."""
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [str(ROOT / "scripts" / "serve-web.sh")],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        base_url = f"http://127.0.0.1:{env['UVICORN_PORT']}"
        if not wait_until_healthy(server, base_url, timeout=120, headers=PROXIED_HTTPS):
            pytest.fail(f"the production server did not start:\n{log_path.read_text()}")
        yield base_url
    finally:
        stop_process_group(server)


def _production_env(*, database_url: str, workdir: Path, queue: str, port: int) -> dict:
    """The environment of a production deployment, and nothing of the test run's."""
    from django.conf import settings

    throttle_scopes = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    return {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(workdir),
        "LANG": "C.UTF-8",
        "ENV_FILE": "",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ENCRYPTION_KEY": base64.b64encode(os.urandom(32)).decode(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url,
        "REDIS_URL": os.environ["REDIS_URL"],
        "CELERY_BROKER_URL": os.environ["CELERY_BROKER_URL"],
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "STATIC_ROOT": str(workdir / "static"),
        "MEDIA_ROOT": str(workdir / "media"),
        # Credentials a deployment has; nothing calls Google or Flutterwave (without a
        # Flutterwave key, payments go through the sandbox gateway).
        "GOOGLE_CLIENT_ID": "production-start-up.apps.googleusercontent.com",
        "GOOGLE_CLIENT_SECRET": secrets.token_urlsafe(24),
        "FLUTTERWAVE_SECRET_HASH": secrets.token_urlsafe(24),
        "UVICORN_HOST": "127.0.0.1",
        "UVICORN_PORT": str(port),
        "FORWARDED_ALLOW_IPS": "127.0.0.1",
        # The schemathesis run sends thousands of requests a minute from one address.
        **{f"THROTTLE_RATE_{scope.upper()}": "100000/min" for scope in throttle_scopes},
    }


@pytest.fixture(scope="session")
def production_server(tmp_path_factory):
    database_url = os.environ["DATABASE_URL"]
    name = f"{urlsplit(database_url).path.lstrip('/')}_production_{os.getpid()}"
    queue = f"production-{os.getpid()}"
    workdir = tmp_path_factory.mktemp("production")
    port = free_port()
    with ExitStack() as cleanup:
        cleanup.callback(_drop_database, database_url, name)
        env = _production_env(
            database_url=_create_database(database_url, name),
            workdir=workdir,
            queue=queue,
            port=port,
        )
        cleanup.callback(_delete_queue, env["CELERY_BROKER_URL"], queue)
        cleanup.callback(shutil.rmtree, workdir, ignore_errors=True)
        # The image collects static files at build and the deploy migrates: independent steps,
        # so they overlap here (collectstatic is CPU, migrate mostly waits on PostgreSQL).
        collectstatic = _start_manage("collectstatic", "--noinput", env=env)
        cleanup.callback(collectstatic.kill)
        _manage("migrate", "--noinput", env=env)
        _finish(collectstatic)
        log_path = workdir / "server.log"
        base_url = cleanup.enter_context(serve_web(env, log_path))
        production = ProductionServer(base_url=base_url, env=env, log_path=log_path)
        cleanup.callback(production.session.close)
        yield production


@pytest.fixture(scope="session")
def published_campaign(production_server):
    """A campaign a seller created and published through the production API."""
    seller = {"X-Session-Token": production_server.token("seller@production.test", "seller")}
    created = production_server.post("/api/v1/campaigns/", json=campaign_payload(), headers=seller)
    assert created.status_code == 201, created.text
    campaign = created.json()
    published = production_server.post(
        f"/api/v1/campaigns/{campaign['id']}/publish/", headers=seller
    )
    assert published.status_code == 200, published.text
    return campaign
