"""docker-compose's entry point, deploy/nginx.conf.template, in front of two app servers
(issue 14).

Real nginx serves the committed template, rendered as the nginx image renders it, with the
two local servers in place of `server web:8000 resolve;`. The app servers are production
ones like `production_server` (its database and settings), one uvicorn process each,
trusting the proxy as docker-compose's `web` does (NUM_PROXIES=1, FORWARDED_ALLOW_IPS set to
the proxy's address). The client connects from 127.0.0.2, so the address the app sees can
be told from the proxy's (127.0.0.1).
"""

import http.client
import json
import socket
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

import pytest
from websockets.sync.client import connect

from scripts import local_proxy
from tests.conftest import free_port
from tests.deploy.conftest import PRODUCTION, PROXIED_HTTPS, serve_web, stop_process_group

pytestmark = PRODUCTION

BODY_LIMIT = 1024 * 1024
CLIENT_ADDRESS = "127.0.0.2"
FORGED_ADDRESS = "203.0.113.9"
CAMPAIGN_PAGE = "/campaigns/rooftop-jazz-night/"


def request(port: int, method: str, path: str, *, headers=None, body=None):
    """One request from CLIENT_ADDRESS; returns (status, headers, body), status 0 when
    nothing listens yet."""
    client = http.client.HTTPConnection(
        "127.0.0.1", port, source_address=(CLIENT_ADDRESS, 0), timeout=30
    )
    try:
        client.request(method, path, body=body, headers={**PROXIED_HTTPS, **(headers or {})})
        response = client.getresponse()
        return response.status, response.headers, response.read()
    except ConnectionRefusedError:
        return 0, {}, b""
    finally:
        client.close()


def logged_requests(log_path: Path) -> dict[str, dict]:
    """The app's request log lines (JSON, one per request) by request id."""
    lines = (line for line in log_path.read_text().splitlines() if line.startswith("{"))
    records = (json.loads(line) for line in lines)
    return {record["request_id"]: record for record in records if record["message"] == "request"}


@pytest.fixture(scope="module")
def app_servers(production_server, tmp_path_factory):
    """Two production app servers, one uvicorn process each; yields (base URL, log file)."""
    workdir = tmp_path_factory.mktemp("web-replicas")
    as_docker_compose_runs_web = {
        "WEB_CONCURRENCY": "1",
        "NUM_PROXIES": "1",
        "FORWARDED_ALLOW_IPS": "127.0.0.1",
        "MAX_REQUEST_BODY_BYTES": str(BODY_LIMIT),
    }
    with ExitStack() as stack:
        servers = []
        for replica in ("first", "second"):
            port = str(free_port())
            env = {**production_server.env, **as_docker_compose_runs_web, "UVICORN_PORT": port}
            log_path = workdir / f"{replica}.log"
            servers.append((stack.enter_context(serve_web(env, log_path)), log_path))
        yield servers


@pytest.fixture(scope="module")
def proxy(app_servers, tmp_path_factory) -> int:
    """nginx on the committed template in front of `app_servers`; yields its port."""
    nginx = local_proxy.nginx_binary()
    if nginx is None:
        pytest.fail("nginx is not installed: `make install` installs it")
    workdir = tmp_path_factory.mktemp("proxy")
    port = free_port()
    main = local_proxy.write_config(
        workdir,
        listen=f"127.0.0.1:{port}",
        upstreams=[url.removeprefix("http://") for url, _ in app_servers],
        body_limit=BODY_LIMIT,
    )
    server = local_proxy.start(nginx, workdir, main)
    try:
        deadline = time.monotonic() + 30
        while request(port, "GET", "/health")[0] != 200:
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"nginx did not start:\n{(workdir / 'error.log').read_text()}")
            time.sleep(0.2)
        yield port
    finally:
        stop_process_group(server)


@pytest.mark.parametrize("path", ["/health", CAMPAIGN_PAGE])
def test_pages_answer_200_through_the_proxy(proxy, published_campaign, path):
    status, _, body = request(proxy, "GET", path)

    assert status == 200, body[:2000]


def test_requests_are_spread_over_both_app_servers(proxy, app_servers):
    request_ids = [uuid.uuid4().hex for _ in range(6)]
    for request_id in request_ids:
        assert request(proxy, "GET", "/health", headers={"X-Request-ID": request_id})[0] == 200

    served = [set(logged_requests(log_path)) & set(request_ids) for _, log_path in app_servers]
    assert all(served), served
    assert set.union(*served) == set(request_ids)


def test_the_app_sees_the_clients_address_not_one_it_forged(proxy, app_servers):
    honest, forged = uuid.uuid4().hex, uuid.uuid4().hex
    request(proxy, "GET", "/health", headers={"X-Request-ID": honest})
    request(
        proxy, "GET", "/health", headers={"X-Request-ID": forged, "X-Forwarded-For": FORGED_ADDRESS}
    )

    logged = {}
    for _, log_path in app_servers:
        logged |= logged_requests(log_path)
    assert logged[honest]["ip"] == CLIENT_ADDRESS
    assert logged[forged]["ip"] == CLIENT_ADDRESS


def test_a_websocket_through_the_proxy_gets_the_availability(proxy, published_campaign):
    url = f"ws://127.0.0.1:{proxy}/ws/campaigns/{published_campaign['id']}/"
    sock = socket.create_connection(("127.0.0.1", proxy), source_address=(CLIENT_ADDRESS, 0))
    with connect(url, sock=sock, origin=f"http://127.0.0.1:{proxy}", open_timeout=10) as ws:
        frame = json.loads(ws.recv(timeout=10))

    assert frame["type"] == "availability"
    assert {row["id"] for row in frame["ticket_types"]} == {
        ticket_type["id"] for ticket_type in published_campaign["ticket_types"]
    }


def test_static_files_are_served_by_the_app_through_the_proxy(proxy, published_campaign):
    _, _, page = request(proxy, "GET", CAMPAIGN_PAGE)
    stylesheet = next(
        line.split('href="')[1].split('"')[0]
        for line in page.decode().splitlines()
        if 'rel="stylesheet"' in line and 'href="/static/' in line
    )

    status, headers, _ = request(proxy, "GET", stylesheet, headers={"Accept-Encoding": "br"})

    assert status == 200
    assert headers["Cache-Control"] == "max-age=315360000, public, immutable"
    assert headers["Content-Encoding"] == "br"


def test_a_body_over_the_apps_limit_is_refused_by_the_proxy_as_the_app_would(proxy):
    status, headers, body = request(
        proxy,
        "POST",
        "/api/v1/bookings/",
        headers={"Content-Type": "application/json"},
        body=b" " * (BODY_LIMIT + 1),
    )

    assert status == 413
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body)["code"] == "request_too_large"


def test_plain_http_to_the_proxy_is_redirected_to_https(proxy):
    client = http.client.HTTPConnection("127.0.0.1", proxy, timeout=30)
    client.request("GET", "/")
    response = client.getresponse()
    client.close()

    assert response.status == 301
    assert response.headers["Location"] == f"https://127.0.0.1:{proxy}/"
