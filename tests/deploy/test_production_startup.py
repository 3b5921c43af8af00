"""The production start-up serves every public surface behind a TLS proxy (issue 9).

The server is the one `production_server` starts: DEBUG off, a fresh database, `migrate`,
`collectstatic`, `check --deploy`, uvicorn with 2 workers. Requests come as the proxy sends
them: plain HTTP on 127.0.0.1 with `X-Forwarded-Proto: https`.
"""

import json
import re
from pathlib import Path

import pytest
import requests

from tests.deploy.conftest import PRODUCTION

pytestmark = PRODUCTION

CAMPAIGN_PAGE = "/campaigns/rooftop-jazz-night/"
PAGES = ["/", CAMPAIGN_PAGE, "/admin/login/", "/api/docs/"]
STATIC_REFERENCE = re.compile(r'(?:href|src)="(/static/[^"]+)"')
# ManifestStaticFilesStorage names: the original name with 12 hex digits of its MD5 inserted.
HASHED_NAME = re.compile(r"\.[0-9a-f]{12}\.[a-z0-9]+$")
DECADE_IMMUTABLE = "max-age=315360000, public, immutable"
HSTS = "max-age=31536000; includeSubDomains; preload"


def test_check_deploy_found_nothing_to_warn_about_before_uvicorn_started(production_server):
    first_line = production_server.log().splitlines()[0]

    assert first_line == "System check identified no issues (0 silenced)."


@pytest.mark.parametrize("path", [*PAGES, "/api/schema/", "/health"])
def test_each_public_surface_answers_200_over_the_proxys_https(
    production_server, published_campaign, path
):
    response = production_server.get(path)

    assert response.status_code == 200, response.text[:2000]
    assert response.headers["Strict-Transport-Security"] == HSTS


def test_pages_show_the_published_campaign(production_server, published_campaign):
    home = production_server.get("/")
    page = production_server.get(CAMPAIGN_PAGE)

    assert f'href="{CAMPAIGN_PAGE}"' in home.text
    assert "Rooftop Jazz Night" in page.text


def test_health_reports_the_real_database_cache_and_broker(production_server):
    checks = production_server.get("/health").json()["checks"]

    assert {name: check["status"] for name, check in checks.items()} == {
        "database": "ok",
        "cache": "ok",
        "broker": "ok",
    }
    assert checks["database"]["detail"] == "postgresql"
    assert checks["broker"]["detail"] == "amqp"


def _static_references(production_server) -> set[str]:
    return {
        url for page in PAGES for url in STATIC_REFERENCE.findall(production_server.get(page).text)
    }


def test_static_files_of_every_page_are_hashed_and_cached_for_a_decade(
    production_server, published_campaign
):
    references = _static_references(production_server)

    assert len(references) >= 6, references
    for url in sorted(references):
        response = production_server.get(url)
        assert response.status_code == 200, url
        assert HASHED_NAME.search(url), url
        assert response.headers["Cache-Control"] == DECADE_IMMUTABLE, url


def test_static_files_are_served_brotli_compressed(production_server, published_campaign):
    static_root = Path(production_server.env["STATIC_ROOT"])
    compressed = [
        url
        for url in _static_references(production_server)
        if (static_root / f"{url.removeprefix('/static/')}.br").is_file()
    ]

    assert compressed
    for url in compressed:
        response = production_server.get(url, headers={"Accept-Encoding": "br, gzip"})
        assert response.headers["Content-Encoding"] == "br", url
        assert response.headers["Vary"] == "Accept-Encoding", url


def test_collectstatic_compresses_the_hashed_names_only(production_server):
    static_root = Path(production_server.env["STATIC_ROOT"])
    hashed = json.loads((static_root / "staticfiles.json").read_text())["paths"]
    compressed = {
        path.relative_to(static_root).as_posix().removesuffix(".br")
        for path in static_root.rglob("*.br")
    }

    assert hashed["vendor/chart-4.6.1.umd.min.js"] in compressed
    assert compressed - set(hashed.values()) == set()


def test_an_original_name_is_still_served_uncompressed_and_briefly_cached(production_server):
    response = production_server.get(
        "/static/vendor/chart-4.6.1.umd.min.js", headers={"Accept-Encoding": "br, gzip"}
    )

    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers
    assert response.headers["Cache-Control"] == "max-age=60, public"


def test_plain_http_without_the_proxy_header_is_redirected_to_https(production_server):
    response = requests.get(f"{production_server.base_url}/", allow_redirects=False, timeout=30)

    assert response.status_code == 301
    assert response.headers["Location"] == f"https://{production_server.base_url[7:]}/"


def test_health_answers_plain_http_for_the_container_health_check(production_server):
    response = requests.get(f"{production_server.base_url}/health", timeout=30)

    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_cookies_are_sent_only_over_https(production_server):
    response = production_server.get("/admin/login/")

    csrf_cookie = next(cookie for cookie in response.cookies if cookie.name == "csrftoken")
    assert csrf_cookie.secure is True
